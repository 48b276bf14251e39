print("ajar")
