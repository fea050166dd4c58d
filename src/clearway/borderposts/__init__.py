"""Border posts: posts and their pairs across a border, opening hours, joint windows, waiting caused by closures."""
