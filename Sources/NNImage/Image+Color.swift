extension Image {
    /// The luma of an RGB triple as Pillow's `convert("L")` computes it: ITU-R 601-2
    /// `L = R*299/1000 + G*587/1000 + B*114/1000`, in 16-bit fixed point
    /// (`(R*19595 + G*38470 + B*7471 + 32768) >> 16`), i.e. rounded to nearest.
    ///
    /// Checked against Pillow 13 for all 2^24 colors.
    @inlinable
    public static func luma(red: UInt8, green: UInt8, blue: UInt8) -> UInt8 {
        let sum = UInt32(red) * 19595 + UInt32(green) * 38470 + UInt32(blue) * 7471 + 0x8000
        return UInt8(truncatingIfNeeded: sum >> 16)
    }

    /// The image with one gray channel: RGB becomes luma (Pillow `convert("L")`), gray is kept.
    public func grayscale() -> Image {
        guard channels == 3 else { return self }
        let count = pixelCount
        let gray = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<count {
                    out[i] = Image.luma(red: rgb[3 * i], green: rgb[3 * i + 1], blue: rgb[3 * i + 2])
                }
            }
            initialized = count
        }
        return Image(validatedWidth: width, height: height, channels: 1, pixels: gray)
    }

    /// The image with three RGB channels: gray is replicated (Pillow `convert("RGB")`),
    /// RGB is kept.
    public func rgb() -> Image {
        guard channels == 1 else { return self }
        let count = pixelCount
        let color = [UInt8](unsafeUninitializedCapacity: count * 3) { out, initialized in
            pixels.withUnsafeBufferPointer { gray in
                for i in 0..<count {
                    let value = gray[i]
                    out[3 * i] = value
                    out[3 * i + 1] = value
                    out[3 * i + 2] = value
                }
            }
            initialized = count * 3
        }
        return Image(validatedWidth: width, height: height, channels: 3, pixels: color)
    }

    /// The image with the channels of `mode`'s tensor: gray for `.gray`, RGB for `.rgb` and
    /// `.bgr` (the channel swap for BGR happens when the tensor is written).
    public func converted(to mode: ColorMode) -> Image {
        mode == .gray ? grayscale() : rgb()
    }
}
