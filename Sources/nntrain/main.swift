print("nntrain")
