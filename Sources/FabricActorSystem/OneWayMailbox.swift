import Distributed
import FabricCore
import FabricTransport
import FabricWire

/// What a mailbox holds: a one-way call to run, or a two-way call that arrived while one-way
/// calls were queued ahead of it, to start once they have run.
enum MailboxEntry: Sendable {
    case oneWay(PreparedCall)
    case twoWay(InboundCall)
}

/// The one-way calls from one connection to one recipient, in arrival order, drained by one
/// task that exists only while there is work. A task per message would let the scheduler reorder
/// them; one task per connection would let a slow recipient hold up the others.
///
/// A two-way call that arrives for the recipient while its mailbox is active queues behind the
/// one-way calls before it and is started (in its own task, as any two-way call) when the drain
/// reaches it: a caller that sends a one-way call and then asks (`tell` then `ask`) gets an
/// answer that has seen the one-way call. Without that, the two-way call's task raced the drain
/// and usually won (169 to 199 stale answers in 200 rounds to a loop actor, in release builds).
///
/// Loop-confined: calls arrive on the connection's loop, and the drain task prefers that loop
/// as its executor, so it takes each batch there too. No lock. Calls move from the receive path
/// into the queue, from the queue into a batch (arrays swapped) and out of the batch into the
/// runtime call: never copied (a copy of a call is a retain per reference it holds).
final class OneWayMailbox: @unchecked Sendable {
    /// Optionals so that each call can be moved out in place (`take()`); a batch's emptied
    /// slots are then dropped with no reference left to release.
    @exclusivity(unchecked) var queue: [MailboxEntry?] = []
    /// Whether this mailbox asked its connection to stop reading.
    @exclusivity(unchecked) var holdsReading = false
}

extension FabricActorSystem {
    /// Queues `delivery`; starts a drain task when its mailbox was idle. A mailbox
    /// `Limits.oneWayMailboxHoldDepth` deep stops the connection's reads until its task takes
    /// the batch, so TCP slows the sender; past `Limits.oneWayMailboxDepthMax` (frames decoded
    /// from one read before the hold) the call is dropped and counted.
    func deliverOneWay(
        _ call: consuming PreparedCall, to actor: any DistributedActor, runsOnLoop: Bool,
        state: InboundCallState, connection: Connection
    ) {
        let key = ObjectIdentifier(actor)
        var pending = Optional(consume call)
        if let mailbox = state.mailboxes[key] {
            guard mailbox.queue.count < Limits.oneWayMailboxDepthMax else {
                counters.add(.oneWayErrors)
                return
            }
            mailbox.queue.append(pending.take().map(MailboxEntry.oneWay))
            holdReadingIfDeep(mailbox, connection: connection)
            return
        }
        let mailbox = OneWayMailbox()
        state.mailboxes[key] = mailbox
        let drain = MailboxDrain(mailbox: mailbox, key: key, state: state, connection: connection)
        let first = [pending.take().map(MailboxEntry.oneWay)]
        if runsOnLoop {
            startDrainOnLoopActor(actor, first: first, drain)
            return
        }
        Task(executorPreference: connection.loop) {
            var batch = first
            repeat {
                await self.runOneWayBatch(batch, on: actor, connection: connection)
                batch.removeAll(keepingCapacity: true)
            } while self.takeOneWayBatch(drain, into: &batch)
        }
    }

    /// The mailbox of `actor`'s one-way calls from this connection while it has a drain task
    /// (calls queued or running), else nil. Asked for every two-way call: no lookup while the
    /// connection has no one-way calls in flight at all.
    func activeMailbox(for actor: any DistributedActor, state: InboundCallState) -> OneWayMailbox? {
        state.mailboxes.isEmpty ? nil : state.mailboxes[ObjectIdentifier(actor)]
    }

    /// Queues a two-way call behind the one-way calls ahead of it in `mailbox`; the caller has
    /// checked `Limits.oneWayMailboxDepthMax`.
    /// It does not count towards holding the connection's reads: the replies that a suspended
    /// one-way call may be waiting for come in on the same connection (two-way calls are bounded
    /// by `inboundCallsPerConnectionMax` instead).
    func queueBehindOneWayCalls(_ call: consuming InboundCall, in mailbox: OneWayMailbox) {
        mailbox.queue.append(.twoWay(call))
    }

    private func holdReadingIfDeep(_ mailbox: OneWayMailbox, connection: Connection) {
        if !mailbox.holdsReading, mailbox.queue.count >= Limits.oneWayMailboxHoldDepth {
            mailbox.holdsReading = true
            connection.holdReading()
        }
    }

    /// The drain task of a recipient whose executor is the connection's loop starts isolated to
    /// it (see `startOnLoopActor`): no switch of executor per batch or per call.
    private func startDrainOnLoopActor(_ actor: any DistributedActor, first: [MailboxEntry?], _ drain: MailboxDrain) {
        LoopIsolation.startDrain(startDrainTask, self, actor, first, drain)
    }

    /// Runs a batch for one recipient inside its isolation: one hop to the actor and one back
    /// per batch, where calling each target from outside would hop twice per call.
    /// (A recipient on another executor: the batch is copied into the closure, its calls with it.)
    private func runOneWayBatch(_ batch: [MailboxEntry?], on actor: some DistributedActor, connection: Connection) async {
        let ran: Bool? = await actor.whenLocal { isolatedActor in
            var entries = batch
            await self.runMailboxEntries(&entries, on: isolatedActor, runsOnLoop: false, connection: connection)
            return true
        }
        // The recipient came from the local registry; a queued two-way call must not go unanswered.
        precondition(ran != nil, "the recipient of a one-way batch is not local")
    }

    /// Runs a batch's one-way calls and starts its two-way calls, in order, inside the
    /// recipient's isolation (the caller's, kept), moving each out of the batch; the batch is left
    /// empty with its capacity. A two-way call on the loop starts here, up to its first
    /// suspension, as it would have on arrival; elsewhere its task reaches the actor after this
    /// batch lets go of it.
    fileprivate nonisolated(nonsending) func runMailboxEntries(
        _ batch: inout [MailboxEntry?], on actor: any DistributedActor, runsOnLoop: Bool, connection: Connection
    ) async {
        for index in batch.indices {
            switch batch[index].take() {
            case .oneWay(let call)?:
                let handler = FabricResultHandler(
                    system: self, connection: connection, callID: call.callID, isOneWay: true)
                await execute(actor: actor, call, handler: handler)
            case .twoWay(let inbound)? where runsOnLoop:
                startOnLoopActor(actor, inbound, connection: connection)
            case .twoWay(let inbound)?:
                runTwoWay(actor: actor, inbound, connection: connection)
            case nil:
                continue
            }
        }
        batch.removeAll(keepingCapacity: true)
    }

    /// Moves everything queued in `mailbox` into `batch`; false (and the mailbox removed) when
    /// it is empty. Lets the connection read again if the mailbox held it.
    fileprivate func takeOneWayBatch(_ drain: MailboxDrain, into batch: inout [MailboxEntry?]) -> Bool {
        let mailbox = drain.mailbox, connection = drain.connection
        connection.loop.assertInEventLoop()
        guard !mailbox.queue.isEmpty else {
            drain.state.mailboxes[drain.key] = nil
            return false
        }
        swap(&mailbox.queue, &batch)
        if mailbox.holdsReading {
            mailbox.holdsReading = false
            // Later in this turn, outside this task: reading again decodes and delivers at once.
            connection.loop.execute { connection.releaseReading() }
        }
        return true
    }
}

/// What a mailbox's drain task needs to take its next batch.
struct MailboxDrain: @unchecked Sendable {
    let mailbox: OneWayMailbox
    let key: ObjectIdentifier
    let state: InboundCallState
    let connection: Connection
}

/// The drain task of a mailbox whose recipient runs on the connection's loop, started isolated
/// to it: its batches run with no switch of executor per batch or per call.
private func startDrainTask(
    _ system: FabricActorSystem, isolatedTo actor: isolated any DistributedActor, first: [MailboxEntry?],
    _ drain: MailboxDrain
) {
    startOpenedDrainTask(system, isolatedTo: actor, first: first, drain)
}

/// Generic over the actor's type so that the closure's isolation is a concrete actor's.
private func startOpenedDrainTask<A: DistributedActor>(
    _ system: FabricActorSystem, isolatedTo actor: isolated A, first: [MailboxEntry?],
    _ drain: MailboxDrain
) {
    Task {
        await withTaskExecutorPreference(drain.connection.loop, isolation: actor.asLocalActor) {
            var batch = first
            repeat {
                await system.runMailboxEntries(&batch, on: actor, runsOnLoop: true, connection: drain.connection)
                batch.removeAll(keepingCapacity: true)
            } while system.takeOneWayBatch(drain, into: &batch)
        }
    }
}
