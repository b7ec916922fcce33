import Testing
import CBLAS
import CMPI
import CHDF5
import CImageCodecs

/// The four system libraries import, link, and agree with the headers they were compiled against.
@Suite struct SystemLibrariesTests {
    @Test func openBLASMultipliesAndReportsItsKernel() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
        #expect(!String(cString: sparnet_blas_core()).isEmpty)
    }

    @Test func mpiReportsItsVersionWithoutInit() {
        var version: Int32 = 0, subversion: Int32 = 0
        #expect(MPI_Get_version(&version, &subversion) == sparnet_mpi_success())
        #expect(version == MPI_VERSION && subversion == MPI_SUBVERSION)
        #expect(sparnet_mpi_in_place() != nil)
    }

    @Test func hdf5LibraryMatchesItsHeader() {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        #expect(H5get_libversion(&major, &minor, &release) >= 0)
        #expect(major == H5_VERS_MAJOR && minor == H5_VERS_MINOR)
        #expect(sparnet_h5t_native_float() > 0)
    }

    @Test func imageCodecsMatchTheirHeaders() {
        #expect(png_access_version_number() == PNG_LIBPNG_VER)
        #expect(sparnet_jpeg_lib_version() >= 62)
    }
}
