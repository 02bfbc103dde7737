extension Image {
    /// The image resized to `width`×`height` with an antialiased bilinear (triangle) filter,
    /// computing what Pillow's `Image.resize((width, height), Image.BILINEAR)` computes.
    ///
    /// Downscaling widens the filter by the scale factor so every input pixel contributes
    /// (a 2× reduction averages 2×2 blocks); upscaling interpolates between pixel centers.
    ///
    /// - Throws: `PreprocessingError.invalidParameter` if a size is below 1.
    public func resized(width: Int, height: Int) throws -> Image {
        guard width >= 1, height >= 1 else {
            throw PreprocessingError.invalidParameter("resize target \(width)×\(height) is empty")
        }
        return BilinearResampler.resize(self, width: width, height: height)
    }

    /// The image resized so its shorter side is `shorterSide` pixels, keeping the aspect ratio
    /// as torchvision's `Resize(shorterSide)` does (the longer side is truncated, not rounded).
    ///
    /// - Throws: `PreprocessingError.invalidParameter` if `shorterSide` is below 1.
    public func resized(shorterSide: Int) throws -> Image {
        guard shorterSide >= 1 else {
            throw PreprocessingError.invalidParameter("shorter side \(shorterSide) is below 1")
        }
        let size = ResizePolicy.shorterSideSize(width: width, height: height, shorterSide: shorterSide)
        return try resized(width: max(size.width, 1), height: max(size.height, 1))
    }
}
