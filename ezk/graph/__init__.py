"""ezk.graph"""
