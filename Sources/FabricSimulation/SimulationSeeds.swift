import FabricCore

/// Which seeds a simulation test runs: one to replay (`FABRIC_SIM_SEED`), or a number of them
/// (`FABRIC_SIM_SEEDS`, at most `Limits.simulationSeedsMax`), from a fixed sequence so that the
/// same count always runs the same seeds.
///
/// The module reads no environment (it is pure): the caller passes it, the tests as
/// `ProcessInfo.processInfo.environment`, the CLI from its flags.
public enum SimulationSeeds {
    /// The variable that names one seed to replay.
    public static let replayVariable = "FABRIC_SIM_SEED"
    /// The variable that says how many seeds to run.
    public static let countVariable = "FABRIC_SIM_SEEDS"

    /// The seeds to run: `[seed]` when `FABRIC_SIM_SEED` is set, else the first `FABRIC_SIM_SEEDS`
    /// (or `defaultCount`) of `sequence`; throws `invalidArgument` for a value that is not a number
    /// (decimal or `0x` hex) or a count past the limit.
    public static func seeds(environment: [String: String], defaultCount: Int) throws(FabricError) -> [UInt64] {
        if let text = environment[replayVariable] {
            guard let seed = parse(text) else {
                throw .invalidArgument("\(replayVariable)=\(text.debugDescription) is not a seed (decimal or 0x hex)")
            }
            return [seed]
        }
        var count = defaultCount
        if let text = environment[countVariable] {
            guard let parsed = Int(text), parsed >= 1 else {
                throw .invalidArgument("\(countVariable)=\(text.debugDescription) is not a positive count")
            }
            count = parsed
        }
        guard count <= Limits.simulationSeedsMax else {
            throw .invalidArgument("\(count) seeds asked for, more than the \(Limits.simulationSeedsMax) allowed")
        }
        return sequence(count: count)
    }

    /// The first `count` seeds of the fixed sequence (SplitMix64 from 0x5EED).
    public static func sequence(count: Int) -> [UInt64] {
        var random = SeededRandom(seed: 0x5EED)
        return (0..<max(0, count)).map { _ in random.next() }
    }

    /// A seed from decimal or `0x` hexadecimal text, or nil.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines (no Foundation in pure modules).
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
