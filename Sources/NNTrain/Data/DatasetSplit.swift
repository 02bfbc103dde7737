/// Held-out splits that keep every class's share: each class's samples are shuffled with a fixed
/// seed and the same fraction of each goes to the held-out part, then both parts are shuffled.
public enum DatasetSplit {
    /// Indices of the training and held-out parts; `fraction` of each class (rounded) is held out.
    public static func stratified(labels: [Int], classes: Int, fraction: Double, seed: UInt64) throws(TrainError) -> (train: [Int], validation: [Int]) {
        guard fraction > 0, fraction < 1 else { throw .invalidArgument("--val-split \(fraction) must be between 0 and 1") }
        var rng = SeededGenerator(seed: seed ^ 0x5EED_5B17)
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, l) in labels.enumerated() { byClass[l].append(i) }
        var train: [Int] = [], validation: [Int] = []
        for var members in byClass {
            members.shuffle(using: &rng)
            let held = Int((Double(members.count) * fraction).rounded())
            validation += members[..<held]
            train += members[held...]
        }
        guard !train.isEmpty, !validation.isEmpty else {
            throw .invalidArgument("--val-split \(fraction) leaves an empty training or held-out part for \(labels.count) samples")
        }
        train.shuffle(using: &rng)
        validation.shuffle(using: &rng)
        return (train, validation)
    }
}
