extension Preprocessing {
    /// The 8-bit image the tensor is computed from: converted, resized and cropped to
    /// `width`×`height` (useful to look at what the model sees).
    ///
    /// - Throws: `PreprocessingError`.
    public func preparedImage(from image: Image) throws -> Image {
        try validateTyped()
        let (source, origin) = try resample(image)
        return try source.cropped(x: origin.x, y: origin.y, width: width, height: height)
    }

    /// The input tensor for one image (`elementCount` floats in `layout` order).
    ///
    /// - Throws: `PreprocessingError`.
    public func tensor(from image: Image) throws -> [Float] {
        try validateTyped()
        let count = elementCount
        var failure: PreprocessingError? = nil
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(PreprocessingError) {
                try write(image, into: buffer)
            } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            initialized = count
        }
        if let failure { throw failure }
        return values
    }

    /// Writes the input tensor for one image into `buffer`, which must hold exactly
    /// `elementCount` floats, allocating nothing for the tensor itself. Batch by passing
    /// consecutive slices of one preallocated batch buffer.
    ///
    /// - Throws: `PreprocessingError`; `.bufferSize` if the buffer has the wrong size.
    public func writeTensor(from image: Image, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        try validateTyped()
        try write(image, into: buffer)
    }

    /// Converts and resizes; returns the image and where the `width`×`height` window starts in
    /// it (possibly outside, for zero padding).
    func resample(_ image: Image) throws(PreprocessingError) -> (Image, (x: Int, y: Int)) {
        let converted = image.converted(to: colorMode)
        let resized: Image
        switch resize {
        case .stretch:
            resized = BilinearResampler.resize(converted, width: width, height: height)
        case .shorterSideCrop(let side):
            let size = ResizePolicy.shorterSideSize(width: image.width, height: image.height, shorterSide: side)
            resized = BilinearResampler.resize(converted, width: max(size.width, 1), height: max(size.height, 1))
        case .centerCrop:
            resized = converted
        case .exact:
            guard image.width == width, image.height == height else {
                throw .sizeMismatch(
                    width: image.width, height: image.height, expectedWidth: width, expectedHeight: height)
            }
            resized = converted
        }
        let origin = Image.centerCropOrigin(
            imageWidth: resized.width, imageHeight: resized.height, cropWidth: width, cropHeight: height)
        return (resized, origin)
    }

    /// For each tensor channel, the float of each 8-bit value: `(v * scale - mean) / std`.
    func valueTable() -> [Float] {
        var table = [Float](repeating: 0, count: channels * 256)
        for c in 0..<channels {
            let mean = mean(ofChannel: c), std = std(ofChannel: c)
            for v in 0..<256 {
                table[c * 256 + v] = (Float(v) * scale - mean) / std
            }
        }
        return table
    }

    private func write(_ image: Image, into buffer: UnsafeMutableBufferPointer<Float>) throws(PreprocessingError) {
        let count = elementCount
        guard buffer.count == count else { throw .bufferSize(expected: count, actual: buffer.count) }
        let (source, origin) = try resample(image)
        let table = valueTable()
        let channels = self.channels, width = self.width, height = self.height
        let sourceWidth = source.width, sourceHeight = source.height
        let swap = colorMode == .bgr
        let planar = layout == .nchw
        source.pixels.withUnsafeBufferPointer { pixels in
            table.withUnsafeBufferPointer { table in
                for y in 0..<height {
                    let sy = origin.y + y
                    let rowInside = sy >= 0 && sy < sourceHeight
                    for x in 0..<width {
                        let sx = origin.x + x
                        let inside = rowInside && sx >= 0 && sx < sourceWidth
                        let base = (sy * sourceWidth + sx) * channels
                        for c in 0..<channels {
                            let sourceChannel = swap ? channels - 1 - c : c
                            let value = inside ? Int(pixels[base + sourceChannel]) : 0
                            let index = planar ? (c * height + y) * width + x : (y * width + x) * channels + c
                            buffer[index] = table[c * 256 + value]
                        }
                    }
                }
            }
        }
    }
}
