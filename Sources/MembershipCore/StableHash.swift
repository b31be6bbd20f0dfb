import FabricCore

/// Hashes that agree between processes (never Swift's seeded `Hasher`): FNV-1a 64 over UTF-8
/// bytes and little-endian integers, finished with a SplitMix64 mix so that XOR-combined
/// bucket hashes do not cancel on similar inputs.
enum StableHash {
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// FNV-1a 64 of a string's UTF-8 bytes.
    static func of(_ text: String) -> UInt64 {
        var hash = offsetBasis
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// Continues `hash` with `value`'s eight little-endian bytes.
    static func combine(_ hash: UInt64, _ value: UInt64) -> UInt64 {
        var hash = hash
        var rest = value
        for _ in 0..<8 {
            hash = (hash ^ (rest & 0xFF)) &* prime
            rest >>= 8
        }
        return hash
    }

    /// SplitMix64's finaliser.
    static func mix(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// The hash of a member's (name, generation, incarnation, status) that digests compare.
    static func of(_ member: Member) -> UInt64 {
        var hash = of(member.identity.node.name)
        hash = combine(hash, member.identity.generation)
        hash = combine(hash, member.incarnation)
        hash = combine(hash, UInt64(member.status.rawValue))
        return mix(hash)
    }
}

/// Logarithms without Foundation (pure modules import nothing but FabricCore).
enum StableMath {
    /// The natural logarithm of a positive finite `x` (0 for anything else).
    static func naturalLog(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 0 }
        return Logarithm.natural(x)
    }


    /// log10 of a positive finite `x`.
    static func log10(_ x: Double) -> Double { naturalLog(x) / 2.302_585_092_994_045_7 }

    /// ceil(log10(n)) for n ≥ 1, exactly (the number of decimal digits of n − 1, and 0 for 1).
    static func ceilLog10(_ n: Int) -> Int {
        var digits = 0
        var power = 1
        while power < n {
            power = power.multipliedReportingOverflow(by: 10).overflow ? Int.max : power * 10
            digits += 1
        }
        return digits
    }

    /// `duration` × `factor`, in whole nanoseconds.
    static func scale(_ duration: Duration, by factor: Double) -> Duration {
        let scaled = (Double(duration.nanoseconds) * factor).rounded()
        guard scaled.isFinite else { return scaled > 0 ? .nanoseconds(Int64.max) : .zero }
        if scaled >= 9.2e18 { return .nanoseconds(Int64.max) }
        if scaled <= -9.2e18 { return .nanoseconds(Int64.min) }
        return .nanoseconds(Int64(scaled))
    }
}
