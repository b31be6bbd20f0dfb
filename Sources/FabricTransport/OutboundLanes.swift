import FabricCore
import FabricWire

/// Messages a ready connection has taken from its queue but not yet handed to its stream, one
/// FIFO lane per priority (0...3; control traffic is lane 3). Loop-confined.
///
/// The stream is given only what it can send soon (`Limits.streamHandoffBytesMax`), highest
/// lane first, so a control frame queued behind megabytes of bulk waits for at most that much
/// plus one fragment, not for the megabytes (issue 14, §2). Within a lane order is kept.
struct OutboundLanes {
    /// A message in a lane, with how much of it has gone when it goes in fragments.
    struct Entry {
        var message: OutboundMessage
        /// Whether the message is being cut into fragments: its payload is then what goes on
        /// the wire (compressed by `FrameEncoder.compressedForFragments` when that helped).
        var isCut = false
        /// Wire bytes sent so far.
        var sent = 0
        /// What the entry counts in `bytes`.
        let countedBytes: Int
    }

    static let laneCount = Int(FrameLayout.priorityMax) + 1
    /// An array's header (32 bytes) and malloc's chunk overhead, plus the entry itself.
    static let perMessageOverheadBytes = 128

    private var lanes: [[Entry?]] = Array(repeating: [], count: laneCount)
    private var heads: [Int] = Array(repeating: 0, count: laneCount)
    /// Messages waiting, in all lanes.
    private(set) var count = 0
    /// What the waiting messages hold in memory, for back-pressure and the output budget. A message counts in full until its last fragment has gone.
    private(set) var bytes = 0

    var isEmpty: Bool { count == 0 }

    /// The lane a message waits in.
    static func lane(of message: OutboundMessage) -> Int {
        message.isControl ? laneCount - 1 : Int(min(message.priority, FrameLayout.priorityMax))
    }

    mutating func append(_ message: consuming OutboundMessage) {
        let lane = Self.lane(of: message)
        // What it holds in memory, not only what it will send: its array's capacity and the
        // array's own header and allocator overhead (a lane of small replies is mostly that).
        let counted = message.payload.capacity + Self.perMessageOverheadBytes
        lanes[lane].append(Entry(message: message, countedBytes: counted))
        count += 1
        bytes += counted
    }

    /// The highest lane with a message waiting.
    var highestWaitingLane: Int? {
        guard count > 0 else { return nil }
        for lane in stride(from: Self.laneCount - 1, through: 0, by: -1) where heads[lane] < lanes[lane].count {
            return lane
        }
        return nil
    }

    /// Takes the first message of `lane` out (moved, not copied); give it back with
    /// `putBack` if part of it is still to go.
    mutating func takeFirst(of lane: Int) -> Entry {
        let head = heads[lane]
        precondition(head < lanes[lane].count, "lane \(lane) is empty")
        guard let entry = lanes[lane][head].take() else { preconditionFailure("lane \(lane) entry taken twice") }
        heads[lane] = head + 1
        count -= 1
        bytes -= entry.countedBytes
        if heads[lane] == lanes[lane].count {
            lanes[lane].removeAll(keepingCapacity: lanes[lane].capacity <= Limits.outboundBatchMessagesKeptMax)
            heads[lane] = 0
        }
        return entry
    }

    /// Returns a partly sent message to the front of its lane.
    mutating func putBack(_ entry: consuming Entry, to lane: Int) {
        let counted = entry.countedBytes
        if heads[lane] > 0 {
            heads[lane] -= 1
            lanes[lane][heads[lane]] = entry
        } else {
            lanes[lane].insert(entry, at: 0)
        }
        count += 1
        bytes += counted
    }

    /// Drops everything (the connection closed; its calls fail through their pending entries).
    mutating func removeAll() {
        lanes = Array(repeating: [], count: Self.laneCount)
        heads = Array(repeating: 0, count: Self.laneCount)
        count = 0
        bytes = 0
    }
}
