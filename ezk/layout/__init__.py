"""ezk.layout"""
