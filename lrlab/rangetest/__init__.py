"""The LR range test: ramp the lr over a few hundred batches, smooth the loss and suggest an lr.

``curve`` holds the pure parts (the ramp, smoothing, divergence, suggestion methods), ``run``
trains the ramp on the training engine's model and data, ``figure`` draws it and ``cli`` is
``python -m lrlab find-lr``.
"""
