/// An image file format this library decodes, recognized by its first bytes (never by name).
public enum ImageFormat: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// Portable Network Graphics.
    case png
    /// JPEG (JFIF/Exif), baseline or progressive.
    case jpeg
    /// Netpbm gray map or pixel map: binary P5/P6 or plain (ASCII) P2/P3.
    case pnm

    /// Bytes `sniff` needs to look at; fewer are fine, the answer is then nil more often.
    public static let sniffLength = 16

    /// The format whose signature starts `bytes`, or nil if none of ours does.
    ///
    /// PNG: the 8-byte signature; JPEG: `FF D8 FF`; PNM: `P2`, `P3`, `P5` or `P6` followed by
    /// whitespace or a comment.
    public static func sniff<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat?
    where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(sniffLength))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.count >= 3, head[0] == UInt8(ascii: "P"),
            [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")]
                .contains(head[1]),
            PNMDecoder.isWhitespace(head[2]) || head[2] == UInt8(ascii: "#")
        {
            return .pnm
        }
        return nil
    }

    /// The format of the file at `path`, reading only its first bytes; nil if it is not one
    /// of ours or cannot be read. Use it to find images in a directory by content.
    public static func sniff(contentsOf path: String) -> ImageFormat? {
        guard let head = try? FileIO.readPrefix(path: path, count: sniffLength) else { return nil }
        return sniff(head)
    }

    /// The usual file name extensions, lowercase and without the dot.
    public var fileExtensions: [String] {
        switch self {
        case .png: return ["png"]
        case .jpeg: return ["jpg", "jpeg", "jpe", "jfif"]
        case .pnm: return ["pgm", "ppm", "pnm"]
        }
    }

    /// The name of a well-known image format we do not decode, if `bytes` start like one.
    static func otherFormatName(_ bytes: [UInt8]) -> String? {
        let head = Array(bytes.prefix(sniffLength))
        func starts(_ text: String) -> Bool { head.starts(with: Array(text.utf8)) }
        if starts("GIF87a") || starts("GIF89a") { return "GIF" }
        if starts("RIFF"), head.count >= 12, Array(head[8..<12]) == Array("WEBP".utf8) {
            return "WebP"
        }
        if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            return "TIFF"
        }
        if starts("BM"), head.count >= 14 { return "BMP" }
        if head.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50]) || head.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            return "JPEG 2000"
        }
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) { return "ISO media (HEIF/AVIF)" }
        if head.count >= 3, head[0] == UInt8(ascii: "P"),
            [UInt8(ascii: "1"), UInt8(ascii: "4"), UInt8(ascii: "7")].contains(head[1])
        {
            return head[1] == UInt8(ascii: "7") ? "PAM (P7)" : "PBM bitmap (P1/P4)"
        }
        return nil
    }
}
