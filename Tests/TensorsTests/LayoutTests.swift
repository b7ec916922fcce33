import Testing
import Tensors

@Suite struct LayoutTests {
    @Test func registersInOrderWithAlignedSlots() {
        var layout = Layout()
        let a = layout.register("encoder.0.weight", shape: [8, 3, 3, 3])
        let b = layout.register("encoder.0.bias", shape: [8])
        let c = layout.register("scalar", shape: [])
        #expect(a == Slot(offset: 0, count: 216))
        #expect(b.offset == 224 && b.count == 8)        // 216 rounded up to 16 floats
        #expect(c.offset == 240 && c.count == 1)
        #expect(layout.keys == ["encoder.0.weight", "encoder.0.bias", "scalar"])
        #expect(layout["encoder.0.bias"]?.shape == [8])
        #expect(layout["missing"] == nil)
        #expect(layout.elementCount == 241)
    }

    @Test func arenaSlotsAreDisjointViews() {
        var layout = Layout()
        let a = layout.register("a", shape: [3])
        let b = layout.register("b", shape: [2, 2])
        let arena = Arena(layout)
        #expect(arena.count == layout.elementCount)
        #expect(arena.buffer.allSatisfy { $0 == 0 })
        arena.copy([1, 2, 3], into: a)
        arena.copy([4, 5, 6, 7], into: b)
        #expect(arena.array(a) == [1, 2, 3])
        #expect(arena.array(b) == [4, 5, 6, 7])
        #expect(Int(bitPattern: arena.base) % 64 == 0)
        arena.zero(a)
        #expect(arena.array(a) == [0, 0, 0] && arena.array(b) == [4, 5, 6, 7])
        #expect(b.slice(from: 1, count: 2) == Slot(offset: b.offset + 1, count: 2))
    }

    @Test func shapeCountsAndPrints() {
        let shape: Shape = [2, 3, 4, 5]
        #expect(shape.elementCount == 120 && shape.rank == 4 && shape[1] == 3)
        #expect(shape.description == "(2, 3, 4, 5)")
        #expect(Shape([]).elementCount == 1)
    }
}
