// NNTrain
