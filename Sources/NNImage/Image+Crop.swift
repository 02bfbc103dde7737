extension Image {
    /// Where torchvision's `CenterCrop` takes a `cropWidth`×`cropHeight` window from an image
    /// of `imageWidth`×`imageHeight`.
    ///
    /// Along an axis where the crop fits, the offset is `int(round((size - crop) / 2.0))` with
    /// Python's round-half-to-even; where the crop is larger, torchvision first pads the image
    /// with `(crop - size) // 2` zeros before it, so the window starts that far outside
    /// (a negative offset).
    public static func centerCropOrigin(
        imageWidth: Int, imageHeight: Int, cropWidth: Int, cropHeight: Int
    ) -> (x: Int, y: Int) {
        func offset(_ size: Int, _ crop: Int) -> Int {
            if crop > size { return -((crop - size) / 2) }
            return Int((Double(size - crop) / 2.0).rounded(.toNearestOrEven))
        }
        return (offset(imageWidth, cropWidth), offset(imageHeight, cropHeight))
    }

    /// The `width`×`height` window whose top-left corner is at (`x`, `y`); parts of the
    /// window outside the image are zero (as Pillow's `crop` and torchvision's padding give).
    ///
    /// - Throws: `PreprocessingError.invalidParameter` if a size is below 1.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws -> Image {
        guard width >= 1, height >= 1 else {
            throw PreprocessingError.invalidParameter("crop size \(width)×\(height) is empty")
        }
        if x == 0, y == 0, width == self.width, height == self.height { return self }
        let channels = self.channels
        let count = width * height * channels
        var out = [UInt8](repeating: 0, count: count)
        // Columns of the window that fall inside the image.
        let firstColumn = max(0, -x), endColumn = min(width, self.width - x)
        if firstColumn < endColumn {
            let runLength = (endColumn - firstColumn) * channels
            out.withUnsafeMutableBufferPointer { target in
                pixels.withUnsafeBufferPointer { source in
                    for row in 0..<height {
                        let sourceRow = y + row
                        guard sourceRow >= 0, sourceRow < self.height else { continue }
                        let from = (sourceRow * self.width + x + firstColumn) * channels
                        let to = (row * width + firstColumn) * channels
                        for i in 0..<runLength { target[to + i] = source[from + i] }
                    }
                }
            }
        }
        return Image(validatedWidth: width, height: height, channels: channels, pixels: out)
    }

    /// The center `width`×`height` window as torchvision's `CenterCrop` takes it, zero-padded
    /// where the image is smaller.
    ///
    /// - Throws: `PreprocessingError.invalidParameter` if a size is below 1.
    public func centerCropped(width: Int, height: Int) throws -> Image {
        let origin = Image.centerCropOrigin(
            imageWidth: self.width, imageHeight: self.height, cropWidth: width, cropHeight: height)
        return try cropped(x: origin.x, y: origin.y, width: width, height: height)
    }
}
