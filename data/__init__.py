"""The data files of grok-nn, installed as the package nnlib.datasets (see pyproject.toml).

Read them with nnlib.data.load_digits() and load_breast_cancer(), which check each file's SHA-256 first.
How each file was made, its source and licence: README.md in this folder.
"""
