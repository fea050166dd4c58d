"""The live risk engine: the snapshot it decides with, the decision, selection, changes."""
