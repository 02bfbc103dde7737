import Foundation
import NNImage

/// Reads an image-folder tree, `root/<class>/*.png|jpg|jpeg`: class names are the sub-folder names
/// sorted, images are decoded with NNImage and converted to the color mode asked for.
public enum ImageFolderReader {
    /// The file name extensions read (case-insensitive); other files are ignored.
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Reads the tree. Without `resize`, every image must have the size of the first one; with it,
    /// images are stretched to `resize` (width, height).
    public static func read(root: String, color: ColorMode = .gray, resize: (width: Int, height: Int)? = nil) throws(TrainError) -> Dataset {
        let fm = FileManager.default
        let classNames: [String]
        do {
            classNames = try fm.contentsOfDirectory(atPath: root).filter { name in
                var isDir: ObjCBool = false
                return !name.hasPrefix(".") && fm.fileExists(atPath: root + "/" + name, isDirectory: &isDir) && isDir.boolValue
            }.sorted()
        } catch {
            throw .invalidData(source: root, detail: "cannot list the folder: \(error.localizedDescription)")
        }
        guard !classNames.isEmpty else { throw .invalidData(source: root, detail: "no class folders (expected root/<class>/*.png|jpg)") }
        var files: [(path: String, label: Int)] = []
        for (label, name) in classNames.enumerated() {
            let dir = root + "/" + name
            let images = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { file in
                !file.hasPrefix(".") && extensions.contains((file as NSString).pathExtension.lowercased())
            }.sorted()
            guard !images.isEmpty else { throw .invalidData(source: dir, detail: "class folder '\(name)' has no .png/.jpg images") }
            files += images.map { (dir + "/" + $0, label) }
        }
        var pixels: [UInt8] = [], labels: [Int] = []
        var size: (width: Int, height: Int)? = resize
        for (path, label) in files {
            var image: Image
            do {
                image = try ImageDecoder.decode(contentsOf: path).converted(to: color)
                if let r = resize, image.width != r.width || image.height != r.height {
                    image = try image.resized(width: r.width, height: r.height)
                }
            } catch {
                throw .invalidData(source: path, detail: "cannot decode: \(error)")
            }
            if let s = size {
                guard image.width == s.width, image.height == s.height else {
                    throw .invalidData(source: path, detail: "is \(image.width)×\(image.height) but earlier images are \(s.width)×\(s.height); "
                        + "pass --resize WxH to resize every image")
                }
            } else {
                size = (image.width, image.height)
            }
            // Interleaved (H, W, C) → planar (C, H, W).
            let c = image.channels, plane = image.width * image.height
            var planar = [UInt8](repeating: 0, count: c * plane)
            for i in 0..<plane { for ch in 0..<c { planar[ch * plane + i] = image.pixels[i * c + ch] } }
            pixels += planar
            labels.append(label)
        }
        let s = size ?? (0, 0)
        return try Dataset(source: root, channels: color.channels, height: s.height, width: s.width, pixels: pixels, labels: labels,
                           classNames: classNames)
    }
}
