import CFabricShims
import FabricCore
import Glibc

extension EventLoop {
    /// The body of the loop's thread: turns until shutdown is requested, then shuts down.
    func runOnThread() {
        cfabric_set_current_loop(Unmanaged.passUnretained(self).toOpaque())
        _ = cfabric_set_thread_name("fabric-loop-\(index)")
        while !runTurn() {}
        shutDownOnLoop()
        cfabric_set_current_loop(nil)
    }

    /// One turn; true once shutdown has been requested.
    private func runTurn() -> Bool {
        let eventCount = waitForEvents(timeoutMilliseconds: pollTimeoutMilliseconds())
        turnStarted = clock.now
        let isStopRequested = takeRemoteWork()
        dispatchEvents(count: eventCount)
        runQueuedWork(budget: Limits.loopJobsPerTurnMax)
        runEndOfTurnWork()
        fireDueTimers()
        return isStopRequested
    }

    /// 0 when there is work waiting, -1 (forever) when nothing is scheduled, else the time to the
    /// next timer rounded up to a millisecond (epoll's resolution; rounding down would spin).
    ///
    /// On an injected clock the time to the next timer says nothing about how long to sleep: a
    /// clock that reports its moves wakes the loop itself (-1 until then); one that does not is
    /// looked at again every `Limits.loopUnobservedClockPollMilliseconds`.
    private func pollTimeoutMilliseconds() -> Int32 {
        if !runQueue.isEmpty || !endOfTurnWork.isEmpty || !streamsToFlush.isEmpty { return 0 }
        guard let wakeup = timers.nextWakeupNanoseconds() else { return -1 }
        let now = clock.now.nanoseconds
        guard wakeup > now else { return 0 }
        guard clock.isSystem else {
            return clockObservation == nil ? Limits.loopUnobservedClockPollMilliseconds : -1
        }
        let milliseconds = (wakeup - now + 999_999) / 1_000_000
        return Int32(clamping: milliseconds)
    }

    /// `epoll_wait`, announcing the sleep first so other threads know to write the eventfd.
    private func waitForEvents(timeoutMilliseconds: Int32) -> Int {
        var timeout = timeoutMilliseconds
        if timeout != 0 {
            let maySleep = remote.withLock { queue in
                guard queue.items.isEmpty, !queue.isStopRequested else { return false }
                queue.isSleeping = true
                return true
            }
            if !maySleep { timeout = 0 }
        }
        let count = cfabric_epoll_wait(epollDescriptor, events, Int32(Limits.loopEventsPerWaitMax), timeout)
        if count >= 0 { return Int(count) }
        precondition(count == -EINTR, "fabric-loop-\(index): epoll_wait failed: \(ReactorError.describe(errno: -count))")
        return 0
    }

    /// Moves what other threads submitted onto the run queue; returns whether to stop.
    func takeRemoteWork() -> Bool {
        var batch = spareRemoteBatch
        spareRemoteBatch = []
        let isStopRequested = remote.withLock { queue in
            queue.isSleeping = false
            swap(&queue.items, &batch)
            return queue.isStopRequested
        }
        for work in batch {
            switch work {
            case .closure(let closure): runQueue.append(.closure(closure))
            case .job(let job): runQueue.append(.job(job))
            }
        }
        batch.removeAll(keepingCapacity: true)
        spareRemoteBatch = batch
        return isStopRequested
    }

    private func dispatchEvents(count: Int) {
        for position in 0..<count {
            let event = events[position]
            if event.data == Self.wakeKey {
                _ = cfabric_eventfd_drain(wakeDescriptor)
            } else if let handler = handlers.handler(for: event.data) {
                handler.handleEvents(event.events)
            }
        }
    }

    /// Runs up to `budget` closures and jobs, including ones they queue themselves.
    func runQueuedWork(budget: Int) {
        var remaining = budget
        while remaining > 0, let work = runQueue.popFirst() {
            remaining -= 1
            switch work {
            case .closure(let closure):
                closure()
            case .job(let job):
                job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
            }
        }
    }

    /// Flushes the streams written to this turn, then runs `executeAtEndOfTurn` work; repeats
    /// (a few times at most) while that work writes or queues more.
    func runEndOfTurnWork() {
        var rounds = 0
        while rounds < Self.endOfTurnRoundsMax, !streamsToFlush.isEmpty || !endOfTurnWork.isEmpty {
            rounds += 1
            flushScheduledStreams()
            runScheduledEndOfTurnWork()
        }
    }

    private func flushScheduledStreams() {
        guard !streamsToFlush.isEmpty else { return }
        var flushing = spareStreamsToFlush
        swap(&flushing, &streamsToFlush)
        for stream in flushing { stream.flushScheduledWrites() }
        flushing.removeAll(keepingCapacity: true)
        spareStreamsToFlush = flushing
    }

    private func runScheduledEndOfTurnWork() {
        guard !endOfTurnWork.isEmpty else { return }
        var running = spareEndOfTurnWork
        swap(&running, &endOfTurnWork)
        for work in running { work() }
        running.removeAll(keepingCapacity: true)
        spareEndOfTurnWork = running
    }

    /// Fires the timers that are due, in deadline order.
    private func fireDueTimers() {
        guard timers.count > 0 else { return }
        timers.collectDue(nowNanoseconds: clock.now.nanoseconds, into: &dueTimers)
        var position = 0
        while position < dueTimers.count {
            let timer = dueTimers[position]
            position += 1
            if let work = timers.takeWork(for: timer) { work() }
        }
        dueTimers.removeAll(keepingCapacity: true)
    }

    /// Rounds of end-of-turn work per turn; what remains waits for the next turn (which then
    /// does not block).
    static let endOfTurnRoundsMax = Limits.loopEndOfTurnRoundsMax
}
