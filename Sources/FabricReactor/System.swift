import CFabricShims
import FabricCore

/// Facts about the machine and process the reactor sizes itself by.
package enum System {
    /// CPUs this process may run on (its affinity mask, so `taskset` and container CPU sets
    /// count), at least 1. The default number of event loops: one per core.
    package static var coreCount: Int { Int(cfabric_available_cpu_count()) }

    /// The monotonic clock (`CLOCK_MONOTONIC`) as an `Instant`: the clock event loops and their
    /// timers run on.
    package static var monotonicNow: Instant { Instant(nanoseconds: cfabric_monotonic_nanoseconds()) }

    /// Makes `SIGPIPE` harmless for the whole process, once. Every send already uses
    /// `MSG_NOSIGNAL`; this also covers writes Fabric does not make itself (DESIGN.md §5).
    static func ignoreBrokenPipeSignal() {
        _ = ignoreBrokenPipeOnce
    }

    /// A lazily initialised global runs its initialiser exactly once, thread-safely.
    private static let ignoreBrokenPipeOnce: Void = cfabric_ignore_sigpipe()
}

/// The machine's monotonic clock (`CLOCK_MONOTONIC`), the one event loops run on.
package struct SystemClock: MonotonicClock {
    package init() {}
    package var now: Instant { System.monotonicNow }
}

/// The operating system's randomness (`SystemRandomNumberGenerator`).
package struct SystemEntropy: Entropy {
    package init() {}
    package func next() -> UInt64 {
        var random = SystemRandomNumberGenerator()
        return random.next()
    }
}
