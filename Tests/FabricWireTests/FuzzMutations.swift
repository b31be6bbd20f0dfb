import FabricCore

/// Structured mutations of valid encodings for the fuzz tests: what a hostile or broken peer
/// sends is rarely uniform noise, but a real message with bytes flipped, runs inserted or cut,
/// slices repeated, lengths pushed to their extremes, or two messages spliced. Deterministic
/// for a seed; every result is at most `lengthMax` bytes.
enum FuzzMutations {
    /// Lengths for random inputs: mostly short (where headers and tags are), a quarter up to
    /// `longMax` bytes (past the 64-byte inputs the fuzzers used to stop at).
    static func length(_ random: inout SeededRandom, longMax: Int = 4096) -> Int {
        Int.random(in: 0...3, using: &random) == 0
            ? Int.random(in: 64...longMax, using: &random) : Int.random(in: 0..<64, using: &random)
    }

    /// Random bytes of `length(_:)` bytes.
    static func randomBytes(_ random: inout SeededRandom, longMax: Int = 4096) -> [UInt8] {
        (0..<length(&random, longMax: longMax)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// `bytes` after one to four mutations, each chosen at random; `other` is spliced in by one
    /// of them.
    static func mutate(
        _ bytes: [UInt8], splicing other: [UInt8] = [], _ random: inout SeededRandom, lengthMax: Int = 16 * 1024
    ) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            mutateOnce(&bytes, other, &random)
        }
        return bytes.count > lengthMax ? Array(bytes.prefix(lengthMax)) : bytes
    }

    private static let extremes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]

    private static func mutateOnce(_ bytes: inout [UInt8], _ other: [UInt8], _ random: inout SeededRandom) {
        let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0 where !bytes.isEmpty:  // flip one byte
            bytes[index] = UInt8.random(in: 0...255, using: &random)
        case 1:  // insert a run of random bytes (up to 1 KiB)
            let run = (0..<Int.random(in: 1...1024, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.insert(contentsOf: run, at: index)
        case 2 where !bytes.isEmpty:  // cut a range
            let end = min(bytes.count, index + Int.random(in: 1...64, using: &random))
            bytes.removeSubrange(index..<end)
        case 3 where !bytes.isEmpty:  // repeat a slice, up to a few KiB
            let end = min(bytes.count, index + Int.random(in: 1...256, using: &random))
            let slice = bytes[index..<end]
            for _ in 0..<Int.random(in: 1...16, using: &random) { bytes.insert(contentsOf: slice, at: end) }
        case 4 where !bytes.isEmpty:  // extreme values over a few bytes (lengths, counts, tags)
            for offset in index..<min(bytes.count, index + Int.random(in: 1...8, using: &random)) {
                bytes[offset] = extremes[Int.random(in: 0..<extremes.count, using: &random)]
            }
        case 5:  // truncate
            bytes.removeSubrange(index..<bytes.count)
        case 6 where !other.isEmpty:  // splice: our prefix, another message's suffix
            let from = Int.random(in: 0..<other.count, using: &random)
            bytes = Array(bytes[..<index]) + other[from...]
        default:  // append random bytes
            bytes += (0..<Int.random(in: 1...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
    }
}
