"""The schedule model: parsing and validation, building on real torch objects, simulation,
code generation and step arithmetic. Imports no presentation and no training code."""
