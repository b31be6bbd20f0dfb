/// A call's arguments as slices of the payload they came in, with the first two kept inline: a
/// call with one or two arguments (most of them) is decoded without allocating an array.
package struct ArgumentSlices: RandomAccessCollection, Hashable, Sendable {
    private var first: ArraySlice<UInt8> = []
    private var second: ArraySlice<UInt8> = []
    /// The third argument on.
    private var rest: [ArraySlice<UInt8>] = []
    package private(set) var count = 0

    package init() {}

    package init(_ arguments: some Sequence<ArraySlice<UInt8>>) {
        for argument in arguments { append(argument) }
    }

    package mutating func reserveCapacity(_ capacity: Int) {
        if capacity > 2 { rest.reserveCapacity(capacity - 2) }
    }

    package mutating func append(_ argument: ArraySlice<UInt8>) {
        switch count {
        case 0: first = argument
        case 1: second = argument
        default: rest.append(argument)
        }
        count += 1
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    package subscript(position: Int) -> ArraySlice<UInt8> {
        precondition(position >= 0 && position < count, "argument \(position) of \(count)")
        switch position {
        case 0: return first
        case 1: return second
        default: return rest[position - 2]
        }
    }

    package static func == (lhs: ArgumentSlices, rhs: ArgumentSlices) -> Bool {
        lhs.elementsEqual(rhs)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for argument in self { hasher.combine(argument) }
    }
}
