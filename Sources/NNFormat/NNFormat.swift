// NNFormat
