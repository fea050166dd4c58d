"""Training of personnel: a training world, scored exercises, declaration threat projection."""
