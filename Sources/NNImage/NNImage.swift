// NNImage
