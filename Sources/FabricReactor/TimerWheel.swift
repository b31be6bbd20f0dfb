/// The timers of one event loop: a hierarchical timing wheel (Varghese & Lauck, "Hashed and
/// Hierarchical Timing Wheels", 1987, scheme 7) whose insert and cancel are O(1).
///
/// Call deadlines put up to a million timers on a loop at once and nearly all of them are
/// cancelled when the reply comes, so both must be cheap and a cancelled timer must not linger
/// (a heap with lazy cancellation would hold every cancelled deadline until it expired).
///
/// Layout: level 0 has 256 slots of one tick (1 ms on a loop); levels 1 to 4 have 64 slots each,
/// every level's slot spanning a whole lower level, so together they reach 2³² ticks (about 49
/// days at 1 ms; longer deadlines wait at the top and are placed again when their slot comes
/// round). A timer sits in the lowest level whose span covers its distance from now; when time
/// reaches a higher slot, that slot's timers move down ("cascade"), each at most once per level.
/// Occupancy bitmaps let `nextWakeupNanoseconds` and `collectDue` jump over empty slots, so an
/// idle loop sleeps until the next timer instead of ticking.
///
/// Timers never fire early: a deadline is rounded up to its tick and fires once the clock has
/// reached that tick. The timers due in one turn fire in deadline order, ties in the order they
/// were scheduled. Nodes live in one array recycled through a free list, and a handle carries a
/// generation, so a stale handle (fired or cancelled) is recognised and ignored.
package struct TimerWheel {
    /// Identifies one scheduled timer; stale once it fires or is cancelled.
    package struct Token: Hashable, Sendable {
        let index: Int32
        let generation: UInt32
    }

    /// A timer taken out of the wheel because it is due, with what it is ordered by.
    package struct DueTimer {
        let token: Token
        let deadlineNanoseconds: UInt64
        let sequence: UInt64
    }

    /// One timer's storage; `previous`/`next` link it into its slot's list.
    struct Node {
        var deadlineNanoseconds: UInt64
        var tick: UInt64
        var sequence: UInt64
        var work: (() -> Void)?
        var previous: Int32
        var next: Int32
        var location: Int32
        var generation: UInt32
    }

    static let locationFree: Int32 = -1
    static let locationDue: Int32 = -2
    static let level0SlotCount = 256
    static let upperSlotCount = 64
    static let levelCount = 5
    static let slotCount = level0SlotCount + upperSlotCount * (levelCount - 1)
    /// Distances of 2³² ticks or more are parked at the top level and placed again later.
    static let horizonTicks: UInt64 = 1 << 32

    let originNanoseconds: UInt64
    let tickNanoseconds: UInt64
    var nodes: ContiguousArray<Node> = []
    var freeHead: Int32 = -1
    var heads = ContiguousArray<Int32>(repeating: -1, count: TimerWheel.slotCount)
    var occupancy = ContiguousArray<UInt64>(repeating: 0, count: TimerWheel.slotCount / 64)
    /// Timers scheduled at or before the current tick: they fire at the next `collectDue`.
    var immediate: ContiguousArray<Token> = []
    var currentTick: UInt64 = 0
    var nextSequence: UInt64 = 0
    /// Timers scheduled and neither fired nor cancelled.
    package internal(set) var count = 0

    /// A wheel whose tick 0 is `originNanoseconds` on the caller's clock.
    package init(originNanoseconds: UInt64, tickNanoseconds: UInt64 = 1_000_000) {
        precondition(tickNanoseconds > 0, "a timer wheel needs a positive tick, got \(tickNanoseconds)")
        self.originNanoseconds = originNanoseconds
        self.tickNanoseconds = tickNanoseconds
    }

    /// Adds a timer that becomes due at `deadlineNanoseconds`. O(1).
    package mutating func schedule(atNanoseconds deadlineNanoseconds: UInt64, _ work: @escaping () -> Void) -> Token {
        let index = allocateNode()
        let tick = tickRoundingUp(deadlineNanoseconds)
        nodes[Int(index)].deadlineNanoseconds = deadlineNanoseconds
        nodes[Int(index)].tick = tick
        nodes[Int(index)].sequence = nextSequence
        nodes[Int(index)].work = work
        nextSequence &+= 1
        count += 1
        let token = Token(index: index, generation: nodes[Int(index)].generation)
        if tick <= currentTick {
            nodes[Int(index)].location = Self.locationDue
            immediate.append(token)
        } else {
            place(index)
        }
        return token
    }

    /// Removes a timer that has not fired yet; false (and nothing happens) for a stale token.
    /// O(1), idempotent.
    @discardableResult
    package mutating func cancel(_ token: Token) -> Bool {
        guard isLive(token) else { return false }
        let index = token.index
        if nodes[Int(index)].location >= 0 { unlink(index) }
        releaseNode(index)
        return true
    }

    /// Whether `token` names a timer that has neither fired nor been cancelled.
    package func isLive(_ token: Token) -> Bool {
        token.index >= 0 && Int(token.index) < nodes.count
            && nodes[Int(token.index)].generation == token.generation
            && nodes[Int(token.index)].location != Self.locationFree
    }

    /// When the wheel next needs `collectDue`: the earliest instant a timer may be due, possibly
    /// earlier (a higher-level slot to cascade); nil when no timer is scheduled.
    package func nextWakeupNanoseconds() -> UInt64? {
        if !immediate.isEmpty { return nanoseconds(ofTick: currentTick) }
        guard count > 0, let tick = nextOccupiedTick() else { return nil }
        return nanoseconds(ofTick: tick)
    }

    /// Takes out every timer due at `nowNanoseconds` and appends them to `due` in firing order
    /// (deadline, then scheduling order). Fire each with `takeWork(for:)`.
    package mutating func collectDue(nowNanoseconds: UInt64, into due: inout [DueTimer]) {
        let firstNew = due.count
        for token in immediate where isLive(token) { appendDue(token.index, to: &due) }
        immediate.removeAll(keepingCapacity: true)
        let nowTick = tickRoundingDown(nowNanoseconds)
        while currentTick < nowTick {
            guard count > 0, let next = nextOccupiedTick(), next <= nowTick else {
                currentTick = nowTick
                break
            }
            currentTick = next
            processTick(next, into: &due)
        }
        if due.count - firstNew > 1 {
            due[firstNew...].sort { ($0.deadlineNanoseconds, $0.sequence) < ($1.deadlineNanoseconds, $1.sequence) }
        }
    }

    /// The work of a due timer, removing it from the wheel; nil if it was cancelled meanwhile.
    package mutating func takeWork(for timer: DueTimer) -> (() -> Void)? {
        guard isLive(timer.token) else { return nil }
        let work = nodes[Int(timer.token.index)].work
        releaseNode(timer.token.index)
        return work
    }

    /// Drops every timer without running it (loop shutdown).
    /// Generations keep counting, so handles to dropped timers stay stale.
    package mutating func removeAll() {
        for index in nodes.indices where nodes[index].location != Self.locationFree {
            releaseNode(Int32(index))
        }
        for slot in heads.indices { heads[slot] = -1 }
        for word in occupancy.indices { occupancy[word] = 0 }
        immediate.removeAll()
    }
}

// MARK: - Time and ticks

extension TimerWheel {
    func tickRoundingUp(_ nanoseconds: UInt64) -> UInt64 {
        guard nanoseconds > originNanoseconds else { return 0 }
        let elapsed = nanoseconds - originNanoseconds
        let (quotient, remainder) = elapsed.quotientAndRemainder(dividingBy: tickNanoseconds)
        return remainder == 0 ? quotient : quotient + 1
    }

    func tickRoundingDown(_ nanoseconds: UInt64) -> UInt64 {
        guard nanoseconds > originNanoseconds else { return 0 }
        return (nanoseconds - originNanoseconds) / tickNanoseconds
    }

    func nanoseconds(ofTick tick: UInt64) -> UInt64 {
        let (product, overflow) = tick.multipliedReportingOverflow(by: tickNanoseconds)
        if overflow { return .max }
        let (sum, overflow2) = originNanoseconds.addingReportingOverflow(product)
        return overflow2 ? .max : sum
    }

    /// How far right a tick is shifted to find its slot on `level` (0, 8, 14, 20, 26).
    static func shift(ofLevel level: Int) -> UInt64 { level == 0 ? 0 : UInt64(6 * level + 2) }

    /// The first slot of `level` in the flat slot numbering (0 for level 0, then 64 per level).
    static func firstSlot(ofLevel level: Int) -> Int {
        level == 0 ? 0 : level0SlotCount + upperSlotCount * (level - 1)
    }
}
