import FabricCore
import Glibc
import Synchronization

/// The event loops of a process, one thread each (named `fabric-loop-N`), normally one per
/// core. Connections are spread over the loops round robin.
///
/// Shut a group down with `shutdown()` when done; dropping the last reference does the same.
package final class EventLoopGroup: Sendable {
    /// The loops, in index order.
    package let loops: [EventLoop]
    /// The clock every loop of the group runs on.
    package let clock: LoopClock
    private let threads: [pthread_t]
    private let nextLoopIndex = Atomic<Int>(0)
    /// Whether the threads have been joined (or detached); the lock also makes concurrent
    /// `shutdown()` callers wait for the one doing the joining.
    private let isJoined = Mutex(false)

    /// Starts `loopCount` loops, each on its own thread, running on `clock` (their `now`,
    /// `turnStarted` and timers). Makes `SIGPIPE` harmless for the process first. Running out of
    /// descriptors or threads here stops the process: without its loops a node cannot do
    /// anything.
    ///
    /// On an injected clock that reports its moves (`ManualClock`), a timer fires exactly when
    /// the clock is moved to or past its deadline, and never because wall time passed.
    package init(loopCount: Int = System.coreCount, clock: any MonotonicClock = SystemClock()) {
        precondition(
            loopCount >= 1 && loopCount <= Limits.loopsPerGroupMax,
            "an event loop group needs 1...\(Limits.loopsPerGroupMax) loops, got \(loopCount)")
        System.ignoreBrokenPipeSignal()
        let clock = LoopClock(clock)
        self.clock = clock
        let loops = (0..<loopCount).map { EventLoop(index: $0, clock: clock) }
        self.loops = loops
        threads = loops.map(startThread(for:))
    }

    deinit {
        stop(then: isCallerOneOfTheLoops ? .detach : .join)
    }

    /// The next loop, round robin.
    package func next() -> EventLoop {
        let position = nextLoopIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[Int(UInt(bitPattern: position) % UInt(loops.count))]
    }

    /// Stops every loop after it has run what was queued, closes their streams, listeners and
    /// descriptors, and joins their threads. Idempotent; concurrent callers all return once the
    /// threads are joined.
    ///
    /// Called on one of the group's own loop threads, it cannot wait for that thread: it asks
    /// every loop to stop and returns at once; the loops stop when their current turn (the
    /// caller's included) ends. The threads are joined by a later `shutdown()` from another
    /// thread, or by the group's `deinit`.
    package func shutdown() {
        stop(then: isCallerOneOfTheLoops ? .leaveRunning : .join)
    }

    /// Whether this runs on one of the group's own loop threads (which `shutdown()` cannot join).
    package var isCallerOneOfTheLoops: Bool {
        guard let current = EventLoop.current else { return false }
        return loops.contains { $0 === current }
    }

    /// What happens to the threads once their loops have been asked to stop.
    private enum ThreadDisposal {
        /// Wait for them to exit (not from one of them).
        case join
        /// Let them exit on their own, releasing their resources (`deinit` on a loop thread).
        case detach
        /// Nothing yet: a later `shutdown()` or `deinit` joins them.
        case leaveRunning
    }

    private func stop(then disposal: ThreadDisposal) {
        for loop in loops { loop.requestShutdown() }
        isJoined.withLock { isJoined in
            guard !isJoined else { return }
            switch disposal {
            case .join:
                for thread in threads { pthread_join(thread, nil) }
            case .detach:
                for thread in threads { pthread_detach(thread) }
            case .leaveRunning:
                return
            }
            isJoined = true
        }
    }
}

/// Starts a loop's thread; the thread holds a reference to the loop until it exits.
private func startThread(for loop: EventLoop) -> pthread_t {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(loop).toOpaque()
    let result = pthread_create(&thread, nil, { context in
        let loop = Unmanaged<EventLoop>.fromOpaque(context!).takeRetainedValue()
        loop.runOnThread()
        return nil
    }, context)
    precondition(result == 0, "starting thread fabric-loop-\(loop.index) failed: \(ReactorError.describe(errno: result))")
    return thread
}
