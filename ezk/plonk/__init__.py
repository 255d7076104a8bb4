"""ezk.plonk"""
