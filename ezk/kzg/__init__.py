"""ezk.kzg"""
