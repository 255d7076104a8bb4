"""ezk.ops"""
