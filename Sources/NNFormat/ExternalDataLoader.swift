#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads tensor data that a model keeps in files beside it (ONNX "external data").
enum ExternalDataLoader {
    static func load(
        _ refs: [ProtoDecoder.ExternalReference], into model: inout Model, policy: ReadOptions.ExternalData,
        decoder: inout ProtoDecoder
    ) throws(FormatError) {
        let source = decoder.source
        guard case .allow(let directory) = policy else {
            throw .externalData(
                source: source, tensor: refs[0].tensorName,
                detail: "the model keeps tensor data in '\(refs[0].location)', and external data is not allowed (allow the model's directory in ReadOptions.externalData)")
        }
        guard let root = FileIO.realPath(directory) else {
            throw .externalData(source: source, tensor: refs[0].tensorName, detail: "directory '\(directory)' does not exist")
        }
        var open: [String: (fd: Int32, size: Int)] = [:]
        defer { for f in open.values { close(f.fd) } }
        for ref in refs {
            func fail(_ detail: String) -> FormatError { .externalData(source: source, tensor: ref.tensorName, detail: detail) }
            let location = ref.location
            guard !location.isEmpty else { throw fail("no location given") }
            guard !location.hasPrefix("/") else { throw fail("location '\(location)' is an absolute path; only paths inside the model's directory are allowed") }
            guard !location.split(separator: "/").contains("..") else { throw fail("location '\(location)' leaves the model's directory") }
            guard let full = FileIO.realPath(root + "/" + location) else { throw fail("file '\(location)' not found beside the model") }
            guard full.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { throw fail("location '\(location)' resolves to '\(full)', outside the model's directory") }
            let file: (fd: Int32, size: Int)
            if let f = open[full] {
                file = f
            } else {
                // O_NONBLOCK: a FIFO planted beside the model must not block the reader forever;
                // O_NOFOLLOW: the resolved path must not have become a symlink since it was checked.
                let fd = Glibc.open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
                guard fd >= 0 else { throw fail("cannot open '\(location)': \(FileIO.errorString(errno))") }
                var st = stat()
                guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
                    close(fd)
                    throw fail("'\(location)' is not a regular file")
                }
                file = (fd, Int(st.st_size))
                open[full] = file
            }
            guard let slotTensor = tensor(at: ref.slot, in: model) else { throw fail("internal: tensor slot not found") }
            let count = slotTensor.elementCount
            guard let expected = slotTensor.elementType.byteCount(elements: count), slotTensor.elementType != .string else {
                throw fail("\(slotTensor.elementType) tensors cannot be stored externally")
            }
            let offset = try number(ref.offset, "offset", default: 0, fail)
            let length = try number(ref.length, "length", default: expected, fail)
            guard length == expected else { throw fail("length \(length) does not match the \(expected) bytes its dims \(slotTensor.dims) need") }
            guard offset <= file.size, length <= file.size - offset else {
                throw fail("offset \(offset) + length \(length) is past the end of '\(location)' (\(file.size) bytes)")
            }
            try decoder.addExternalBytes(length)
            var t = slotTensor
            t.storage = try TensorDecoding.fromLittleEndian(
                .file(fd: file.fd, size: file.size, path: full), offset: offset, length: length, type: t.elementType, count: count)
            setTensor(t, at: ref.slot, in: &model)
        }
    }

    private static func number(_ s: String?, _ what: String, default value: Int, _ fail: (String) -> FormatError) throws(FormatError) -> Int {
        guard let s else { return value }
        guard let n = Int(s), n >= 0 else { throw fail("\(what) '\(s)' is not a non-negative integer") }
        return n
    }

    private static func tensor(at slot: ProtoDecoder.TensorSlot, in model: Model) -> TensorData? {
        switch slot {
        case .initializer(let path, let index):
            return graph(at: path, in: model.graph)?.initializers[index]
        case .attribute(let path, let node, let name, let listIndex):
            guard let g = graph(at: path, in: model.graph) else { return nil }
            switch g.nodes[node].attributes[name] {
            case .tensor(let t): return t
            case .tensors(let ts): return listIndex.map { ts[$0] }
            default: return nil
            }
        case .standalone: return nil
        }
    }

    private static func graph(at path: [ProtoDecoder.GraphStep], in root: Graph) -> Graph? {
        var g = root
        for step in path {
            switch g.nodes[step.node].attributes[step.attribute] {
            case .graph(let sub): g = sub
            case .graphs(let subs): g = subs[step.listIndex ?? 0]
            default: return nil
            }
        }
        return g
    }

    private static func setTensor(_ t: TensorData, at slot: ProtoDecoder.TensorSlot, in model: inout Model) {
        switch slot {
        case .initializer(let path, let index):
            modifyGraph(at: path[...], in: &model.graph) { $0.initializers[index] = t }
        case .attribute(let path, let node, let name, let listIndex):
            modifyGraph(at: path[...], in: &model.graph) { g in
                if let i = listIndex, case .tensors(var ts) = g.nodes[node].attributes[name] {
                    ts[i] = t
                    g.nodes[node].attributes[name] = .tensors(ts)
                } else {
                    g.nodes[node].attributes[name] = .tensor(t)
                }
            }
        case .standalone: break
        }
    }

    private static func modifyGraph(at path: ArraySlice<ProtoDecoder.GraphStep>, in g: inout Graph, _ body: (inout Graph) -> Void) {
        guard let step = path.first else { return body(&g) }
        switch g.nodes[step.node].attributes[step.attribute] {
        case .graph(var sub):
            modifyGraph(at: path.dropFirst(), in: &sub, body)
            g.nodes[step.node].attributes[step.attribute] = .graph(sub)
        case .graphs(var subs):
            modifyGraph(at: path.dropFirst(), in: &subs[step.listIndex ?? 0], body)
            g.nodes[step.node].attributes[step.attribute] = .graphs(subs)
        default: break
        }
    }
}
