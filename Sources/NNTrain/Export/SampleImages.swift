import Foundation
import NNImage

/// Writes dataset images as PNG files named `<label>_<nnnn>.png`, for example inputs beside a model.
public enum SampleImages {
    /// Writes up to `perClass` images of each class, taken in order from `indices`, into `directory`
    /// (created if missing). Returns the file names written.
    @discardableResult
    public static func write(_ data: Dataset, indices: [Int], perClass: Int, to directory: String) throws(TrainError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .export("cannot create \(directory): \(error.localizedDescription)")
        }
        var taken = [Int](repeating: 0, count: data.classNames.count)
        var names: [String] = []
        let plane = data.height * data.width
        for i in indices where taken[data.labels[i]] < perClass {
            let label = data.labels[i]
            // Planar (C, H, W) → interleaved (H, W, C).
            var pixels = [UInt8](repeating: 0, count: data.imageSize)
            for c in 0..<data.channels {
                for j in 0..<plane { pixels[j * data.channels + c] = data.pixels[i * data.imageSize + c * plane + j] }
            }
            guard let image = Image(width: data.width, height: data.height, channels: data.channels, pixels: pixels) else {
                throw .export("cannot make an image of \(data.width)×\(data.height)×\(data.channels)")
            }
            let name = "\(data.classNames[label])_\(String(format: "%04d", i)).png"
            do {
                try ImageEncoder.write(image, toFile: directory + "/" + name, as: .png)
            } catch {
                throw .export("cannot write \(name): \(error)")
            }
            taken[label] += 1
            names.append(name)
        }
        return names
    }
}
