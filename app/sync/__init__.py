"""Pushing approved documents into QuickBooks exactly once, and naming every failure.

``engine.SyncEngine`` is the entry point; ``problems`` turns failures into
named problems with plain explanations; ``preflight`` predicts rejections
before anything is sent.
"""
