import NNFormat

extension Network {
    /// Writes the trained network as an ONNX model through `NetworkBuilder`: weights, BatchNorm
    /// running statistics, Dropout nodes as trained (the runtime applies eval semantics), and `metadata`.
    /// Refuses non-finite parameters or statistics.
    public func exportModel(name: String = "nntrain", metadata: ModelMetadata) throws(TrainError) -> Model {
        for p in parameters where p.value.contains(where: { !$0.isFinite }) {
            throw .export("\(p.name) holds non-finite values (the run diverged)")
        }
        for bn in batchNorms where (bn.runningMean + bn.runningVariance).contains(where: { !$0.isFinite }) {
            throw .export("\(bn.name) running statistics are not finite")
        }
        var builder: NetworkBuilder
        switch inputShape.count {
        case 3: builder = NetworkBuilder(name: name, channels: inputShape[0], height: inputShape[1], width: inputShape[2])
        case 1: builder = NetworkBuilder(name: name, features: inputShape[0])
        default: throw .export("input shape \(inputShape) is neither (C, H, W) nor (F)")
        }
        do throws(FormatError) {
            try root.export(to: &builder)
            return try builder.build(metadata: metadata, producerName: "nntrain")
        } catch {
            throw .export("\(error)")
        }
    }

    /// Exports and writes the model to `path` atomically.
    public func writeModel(to path: String, name: String = "nntrain", metadata: ModelMetadata) throws(TrainError) {
        let model = try exportModel(name: name, metadata: metadata)
        do throws(FormatError) {
            try ModelWriter.write(model, to: path)
        } catch {
            throw .export("\(error)")
        }
    }
}
