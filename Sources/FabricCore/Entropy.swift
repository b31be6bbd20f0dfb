import Synchronization

/// Where randomness comes from, for code that must be replayable (DESIGN.md §2, §7).
///
/// The transport (reconnect jitter), the actor system and the node (its generation) draw
/// random numbers through one of these instead of `SystemRandomNumberGenerator`, so a
/// simulation seeded with a `SeededEntropy` replays exactly. Shared between threads, so
/// `next()` is not `mutating`; use `generator()` where an API wants a `RandomNumberGenerator`.
package protocol Entropy: Sendable {
    /// 64 random bits.
    func next() -> UInt64
}

extension Entropy {
    /// A `RandomNumberGenerator` that draws from this source.
    package func generator() -> EntropyGenerator { EntropyGenerator(source: self) }
}

/// A `RandomNumberGenerator` view of an `Entropy`.
package struct EntropyGenerator: RandomNumberGenerator {
    let source: any Entropy

    package mutating func next() -> UInt64 { source.next() }
}

/// Seeded, replayable entropy (`SeededRandom` behind a lock): for tests and the simulator.
package final class SeededEntropy: Entropy {
    private let state: Mutex<SeededRandom>
    /// The seed, to print when a run fails so that it can be replayed.
    package let seed: UInt64

    package init(seed: UInt64) {
        self.seed = seed
        state = Mutex(SeededRandom(seed: seed))
    }

    package func next() -> UInt64 { state.withLock { $0.next() } }
}
