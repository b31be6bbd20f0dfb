import CFabricShims
import FabricCore

extension EventLoop {
    /// Asks the loop to stop after its current turn. Callable from any thread; idempotent.
    func requestShutdown() {
        remote.withLock { queue in
            guard !queue.isTerminated, !queue.isStopRequested else { return }
            queue.isStopRequested = true
            queue.isSleeping = false
            _ = cfabric_eventfd_signal(wakeDescriptor)
        }
    }

    /// On the loop's thread, after its last turn: runs what is queued, closes every stream,
    /// listener and connect attempt (they report `ReactorError.shutdown`), runs what that
    /// queued, then marks the loop terminated and closes its epoll descriptor. Timers still pending
    /// are dropped without running.
    func shutDownOnLoop() {
        runUntilQuiet()
        for handler in handlers.all { handler.closeForShutdown() }
        runUntilQuiet()
        let unfinished = runQueue.count
        remote.withLock { queue in
            queue.isTerminated = true
            queue.droppedCount += queue.items.count + unfinished
            queue.items.removeAll()
        }
        runQueue.removeAll()
        endOfTurnWork.removeAll()
        streamsToFlush.removeAll()
        timers.removeAll()
        clockObservation?.cancel()
        clockObservation = nil
        // The eventfd stays open until `deinit`: other threads may still signal it.
        _ = cfabric_close(epollDescriptor)
    }

    /// Runs queued work and end-of-turn work until none is left (bounded, in case work keeps
    /// queueing more forever).
    private func runUntilQuiet() {
        for _ in 0..<Self.shutdownDrainRoundsMax {
            _ = takeRemoteWork()
            runQueuedWork(budget: Limits.loopJobsPerTurnMax)
            runEndOfTurnWork()
            let isQuiet = runQueue.isEmpty && endOfTurnWork.isEmpty && streamsToFlush.isEmpty
                && remote.withLock { $0.items.isEmpty }
            if isQuiet { return }
        }
    }

    /// Rounds of queued work a stopping loop runs before it drops the rest.
    static let shutdownDrainRoundsMax = Limits.loopShutdownDrainRoundsMax
}
