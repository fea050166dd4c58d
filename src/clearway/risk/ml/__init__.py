"""The risk model: inputs, features, training, evaluation, serving and its bundle."""
