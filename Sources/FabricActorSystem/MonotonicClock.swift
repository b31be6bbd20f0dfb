#if canImport(Glibc)
import Glibc
#endif
import FabricCore

/// The process's monotonic clock (CLOCK_MONOTONIC), as a FabricCore `Instant`.
package enum MonotonicClock {
    package static var now: Instant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Instant(nanoseconds: UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec))
    }
}
