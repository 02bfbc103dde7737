print("nninfer")
