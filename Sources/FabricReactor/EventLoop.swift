import CFabricShims
import FabricCore
import Glibc
import Synchronization

/// One thread running an epoll event loop: it owns sockets, timers and a run queue, and is a
/// `SerialExecutor` and `TaskExecutor` so tasks and actors can run on it with no thread hops
/// (DESIGN.md §4 "Where code runs").
///
/// Everything about a loop is confined to its thread except `execute`, `enqueue` (both usable
/// from any thread), `index`, `inEventLoop` and `now`. Loop-only methods check `inEventLoop`
/// with a precondition. Loops are made and started by an `EventLoopGroup`.
///
/// One turn of the loop: wait for I/O (no longer than the next timer), handle the I/O events,
/// run queued tasks and closures (at most `Limits.loopJobsPerTurnMax`), run the end-of-turn
/// work (stream flushes first, so each stream makes one `sendmsg` per turn), then fire the
/// timers that are due. See `EventLoop+Run.swift`.
package final class EventLoop: @unchecked Sendable {
    /// The loop's position in its group (its thread is named `fabric-loop-<index>`).
    package let index: Int

    let epollDescriptor: Int32
    let wakeDescriptor: Int32
    /// Work submitted from other threads, and the flags that decide when to wake the loop.
    let remote = Mutex(RemoteQueue())

    // Loop-confined state (touched only on the loop's thread, or before it starts).
    // Loop-confined (asserted): the runtime's dynamic exclusivity checks are off for these
    // fields, each of which is touched several times per event.
    @exclusivity(unchecked) var runQueue = RingBuffer<LoopWork>(initialCapacity: 1024)
    @exclusivity(unchecked) var spareRemoteBatch: [RemoteWork] = []
    @exclusivity(unchecked) var timers: TimerWheel
    @exclusivity(unchecked) var dueTimers: [TimerWheel.DueTimer] = []
    @exclusivity(unchecked) var endOfTurnWork: [() -> Void] = []
    @exclusivity(unchecked) var spareEndOfTurnWork: [() -> Void] = []
    @exclusivity(unchecked) var streamsToFlush: [TCPStream] = []
    @exclusivity(unchecked) var spareStreamsToFlush: [TCPStream] = []
    @exclusivity(unchecked) var handlers = HandlerRegistry()
    @exclusivity(unchecked) var chunkPool = OutboundChunkPool()
    let events: UnsafeMutablePointer<cfabric_epoll_event>
    let writeVectors: UnsafeMutablePointer<iovec>
    /// The buffer streams read into when their delegate has none of its own.
    package let sharedReadBuffer: UnsafeMutableRawBufferPointer
    /// The clock `now`, `turnStarted` and the timers run on (the group's).
    package let clock: LoopClock
    /// While the loop runs on a clock that reports its moves (`ManualClock`): the registration
    /// that wakes the loop when it moves. Cancelled when the loop shuts down.
    var clockObservation: ClockObservation?

    /// Makes a loop with its epoll and wakeup descriptors; its group starts its thread.
    init(index: Int, clock: LoopClock) {
        self.index = index
        self.clock = clock
        let epoll = cfabric_epoll_create()
        precondition(epoll >= 0, "fabric-loop-\(index): epoll_create1 failed: \(ReactorError.describe(errno: -epoll))")
        let wake = cfabric_eventfd_create()
        precondition(wake >= 0, "fabric-loop-\(index): eventfd failed: \(ReactorError.describe(errno: -wake))")
        let added = cfabric_epoll_control(epoll, EpollOperation.add, wake, CFABRIC_EPOLLIN, Self.wakeKey)
        precondition(added == 0, "fabric-loop-\(index): watching the eventfd failed: \(ReactorError.describe(errno: -added))")
        epollDescriptor = epoll
        wakeDescriptor = wake
        let start = clock.now
        timers = TimerWheel(originNanoseconds: start.nanoseconds)
        turnStarted = start
        events = .allocate(capacity: Limits.loopEventsPerWaitMax)
        writeVectors = .allocate(capacity: Limits.streamWriteVectorsMax)
        sharedReadBuffer = .allocate(byteCount: Limits.streamReadBufferBytes, alignment: 16)
        if case .injected(let injected) = clock {
            // The observer holds the loop (not weakly: a weak reference would slow every retain
            // of it) until `shutDownOnLoop` cancels it. It always writes the eventfd: a move
            // between the loop's look at its timers and its `epoll_wait` must not be lost, and
            // the eventfd counts, so a write before the wait makes the wait return at once.
            clockObservation = injected.observeAdvances { [self] in
                _ = cfabric_eventfd_signal(wakeDescriptor)
            }
        }
    }

    deinit {
        _ = cfabric_close(wakeDescriptor)
        events.deallocate()
        writeVectors.deallocate()
        sharedReadBuffer.deallocate()
    }

    /// Whether the calling thread is this loop's thread. Cheap: one thread-local load.
    package var inEventLoop: Bool {
        cfabric_current_loop() == Unmanaged.passUnretained(self).toOpaque()
    }

    /// The loop running the calling thread, if it is a loop thread.
    package static var current: EventLoop? {
        guard let pointer = cfabric_current_loop() else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Stops the process when called off this loop's thread: for the loop-only methods.
    package func assertInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(
            inEventLoop, "called on a thread that is not fabric-loop-\(index) (current loop: "
                + "\(EventLoop.current.map { "fabric-loop-\($0.index)" } ?? "none"))", file: file, line: line)
    }

    /// The time on the clock timers run on (`clock`).
    package var now: Instant { clock.now }

    /// When this turn's events were read (loop-confined): one clock read per turn for what
    /// needs the time of an event rather than of this instant — when a frame arrived or left
    /// (keepalive bookkeeping), the start of an incoming call's budget. Reading the clock per
    /// frame showed as 1.5 % of the server's samples at 64 callers.
    @exclusivity(unchecked) package internal(set) var turnStarted: Instant

    /// Runs `work` on the loop, after what was queued before it from the same thread (FIFO per
    /// submitting thread). Callable from any thread. From the loop itself it only appends to the
    /// run queue; from elsewhere it takes a lock and writes the loop's eventfd only if the loop
    /// is blocked in (or about to enter) `epoll_wait`. After the loop has shut down the work is
    /// dropped, without running.
    package func execute(_ work: @escaping @Sendable () -> Void) {
        if inEventLoop {
            runQueue.append(.closure(work))
        } else {
            submitFromOtherThread(.closure(work))
        }
    }

    /// Runs `work` once after the current batch of I/O events and tasks, before the loop waits
    /// again: streams flush this way, once per turn. Loop-only.
    package func executeAtEndOfTurn(_ work: @escaping () -> Void) {
        assertInEventLoop()
        endOfTurnWork.append(work)
    }

    /// Queues `work` on the run queue from the loop itself (so it need not be `Sendable`): used to
    /// call completions later rather than from inside the call that started them.
    func executeSoon(_ work: @escaping () -> Void) {
        assertInEventLoop()
        runQueue.append(.closure(work))
    }

    /// Queues work from another thread; false if the loop has shut down (the work is dropped).
    @discardableResult
    func submitFromOtherThread(_ work: RemoteWork) -> Bool {
        let (accepted, wake) = remote.withLock { queue -> (Bool, Bool) in
            guard !queue.isTerminated else {
                queue.droppedCount += 1
                return (false, false)
            }
            queue.items.append(work)
            guard queue.isSleeping else { return (true, false) }
            queue.isSleeping = false
            return (true, true)
        }
        // Signalled after the lock is released, so the loop never waits on the lock for the
        // length of a syscall. Safe: the eventfd is closed only in `deinit`, and this method
        // holds `self`.
        if wake { _ = cfabric_eventfd_signal(wakeDescriptor) }
        return accepted
    }

    /// Asks a stream to be flushed at the end of this turn.
    func scheduleFlush(_ stream: TCPStream) {
        streamsToFlush.append(stream)
    }

    /// The epoll user data of the wakeup eventfd; handler keys never reach it.
    static let wakeKey: UInt64 = .max
}

/// What the loop's run queue holds.
enum LoopWork {
    case closure(() -> Void)
    case job(UnownedJob)
}

/// What other threads hand to a loop.
enum RemoteWork: Sendable {
    case closure(@Sendable () -> Void)
    case job(UnownedJob)
}

/// The state shared between a loop and the threads that submit work to it.
struct RemoteQueue: Sendable {
    var items: [RemoteWork] = []
    /// The loop is blocked in, or about to enter, `epoll_wait` with a timeout: a submitter must
    /// write the eventfd. Cleared by whoever wakes it, so only one write happens per sleep.
    var isSleeping = false
    var isStopRequested = false
    /// The loop has stopped: submissions are dropped.
    var isTerminated = false
    /// Submissions dropped because the loop had stopped.
    var droppedCount = 0
}

/// `EPOLL_CTL_*` values.
enum EpollOperation {
    static let add: Int32 = 1
    static let delete: Int32 = 2
    static let modify: Int32 = 3
}
