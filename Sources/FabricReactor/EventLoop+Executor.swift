import Synchronization

/// A loop runs Swift concurrency jobs on its own thread, between its I/O events: as the
/// `unownedExecutor` of an actor (`SerialExecutor`), or as a task's executor preference
/// (`withTaskExecutorPreference(loop)`, `Task(executorPreference: loop)`). Either way the
/// code shares the thread with the sockets it uses, with no hop per message (DESIGN.md §4).
extension EventLoop: SerialExecutor, TaskExecutor {
    /// Queues a job; from the loop's own thread without a lock or a syscall. A job enqueued
    /// after the loop has shut down is dropped (its task never resumes): stop the tasks and
    /// actors that use a loop before shutting its group down.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inEventLoop {
            runQueue.append(.job(job))
        } else {
            submitFromOtherThread(.job(job))
        }
    }

    /// Ordinary (identity) equality: each loop is its own isolation domain.
    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// The loop as a task executor preference, for `withTaskExecutorPreference` and friends.
    package func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Stops the process unless called on this loop's thread; the runtime calls it for
    /// `assumeIsolated` and isolation checks from code that is not running as a job.
    package func checkIsolated() {
        precondition(
            inEventLoop, "expected to be isolated to fabric-loop-\(index), but running on "
                + "\(EventLoop.current.map { "fabric-loop-\($0.index)" } ?? "a thread that is not a loop")")
    }

    /// The non-crashing form of `checkIsolated`, which the runtime prefers when it exists.
    package func isIsolatingCurrentContext() -> Bool? {
        inEventLoop
    }

    /// Two loops are never the same context: each has its own thread.
    package func isSameExclusiveExecutionContext(other: EventLoop) -> Bool {
        other === self
    }

    /// Work submitted after the loop shut down and therefore dropped (closures and jobs).
    package var droppedAfterShutdownCount: Int {
        remote.withLock { $0.droppedCount }
    }
}
