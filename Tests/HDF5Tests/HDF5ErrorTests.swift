import Testing
import HDF5

@Suite struct HDF5ErrorTests {
    @Test func namesFileAndObject() {
        #expect(HDF5Error(file: "a.h5", object: "/weights/x", "not float32").description == "a.h5: /weights/x: not float32")
        #expect(HDF5Error(file: "a.h5", "cannot open").description == "a.h5: cannot open")
    }
}
