// NNRuntime
