//go:build (mpi || mpich) && !(mpi && mpich)

package mpi

/*
#include <stdlib.h>
#include <mpi.h>

// The glue shared by Open MPI and MPICH: MPI_COMM_WORLD and the datatype and
// op handles are macros of different kinds in the two libraries, so Go sees
// only these functions.

static int gohpc_init(int *rank, int *size, int *provided) {
	int flag = 0;
	MPI_Initialized(&flag);
	if (flag) return -1;
	int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, provided);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
	if (rc != MPI_SUCCESS) return rc;
	return MPI_Comm_size(MPI_COMM_WORLD, size);
}

static int gohpc_funneled(void) { return MPI_THREAD_FUNNELED; }

static int gohpc_finalize(void) { return MPI_Finalize(); }

static int gohpc_bcast_bytes(void *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_BYTE, root, MPI_COMM_WORLD);
}

static int gohpc_bcast_f64(double *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_DOUBLE, root, MPI_COMM_WORLD);
}

static int gohpc_scatterv(const double *send, const int *counts, const int *displs,
                          double *recv, int recvcount, int root) {
	return MPI_Scatterv(send, counts, displs, MPI_DOUBLE, recv, recvcount, MPI_DOUBLE, root, MPI_COMM_WORLD);
}

static int gohpc_gatherv(const double *send, int sendcount, double *recv,
                         const int *counts, const int *displs, int root) {
	return MPI_Gatherv(send, sendcount, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, root, MPI_COMM_WORLD);
}

static int gohpc_allreduce(const double *in, double *out, int n, int op) {
	MPI_Op o = op == 0 ? MPI_SUM : op == 1 ? MPI_MAX : MPI_MIN;
	return MPI_Allreduce(in, out, n, MPI_DOUBLE, o, MPI_COMM_WORLD);
}

static int gohpc_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }

static int gohpc_library(char *buf, int n) {
	if (n < MPI_MAX_LIBRARY_VERSION_STRING) return -1;
	int len = 0;
	int rc = MPI_Get_library_version(buf, &len);
	if (rc != MPI_SUCCESS) return -1;
	return len;
}

static int gohpc_library_max(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }

static int gohpc_error_string(int code, char *buf, int n) {
	if (n < MPI_MAX_ERROR_STRING) return -1;
	int len = 0;
	if (MPI_Error_string(code, buf, &len) != MPI_SUCCESS) return -1;
	return len;
}

static int gohpc_error_max(void) { return MPI_MAX_ERROR_STRING; }
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// mpiError turns an MPI return code into an error.
func mpiError(op string, rc C.int) error {
	if rc == C.MPI_SUCCESS {
		return nil
	}
	buf := make([]byte, int(C.gohpc_error_max()))
	n := C.gohpc_error_string(rc, (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	if n < 0 {
		return fmt.Errorf("mpi: %s: MPI error %d", op, int(rc))
	}
	return fmt.Errorf("mpi: %s: %s", op, strings.TrimRight(string(buf[:n]), "\x00 \n"))
}

func implInit() (rank, size int, lib string, err error) {
	var r, s, provided C.int
	rc := C.gohpc_init(&r, &s, &provided)
	if rc == -1 {
		return 0, 0, "", fmt.Errorf("mpi: MPI is already initialised")
	}
	if err := mpiError("MPI_Init_thread", rc); err != nil {
		return 0, 0, "", err
	}
	if provided < C.gohpc_funneled() {
		C.gohpc_finalize()
		return 0, 0, "", fmt.Errorf("mpi: the MPI library provides thread level %d, below MPI_THREAD_FUNNELED", int(provided))
	}
	buf := make([]byte, int(C.gohpc_library_max()))
	if n := C.gohpc_library((*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf))); n > 0 {
		lib = strings.TrimSpace(strings.TrimRight(string(buf[:n]), "\x00"))
		if i := strings.IndexAny(lib, "\n,"); i > 0 {
			lib = lib[:i]
		}
		lib = strings.Join(strings.Fields(lib), " ")
	}
	return int(r), int(s), lib, nil
}

func implFinalize() error { return mpiError("MPI_Finalize", C.gohpc_finalize()) }

func implBcastBytes(buf []byte, root int) error {
	return mpiError("MPI_Bcast", C.gohpc_bcast_bytes(unsafe.Pointer(&buf[0]), C.int(len(buf)), C.int(root)))
}

func implBcastFloat64(buf []float64, root int) error {
	return mpiError("MPI_Bcast", C.gohpc_bcast_f64((*C.double)(&buf[0]), C.int(len(buf)), C.int(root)))
}

// f64 is the address of the first element of s, or nil if s is empty.
func f64(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(&s[0])
}

func ints(s []int32) *C.int { return (*C.int)(unsafe.Pointer(&s[0])) }

func implScatterv(send []float64, cnt, off []int32, recv []float64, root int) error {
	return mpiError("MPI_Scatterv", C.gohpc_scatterv(f64(send), ints(cnt), ints(off), f64(recv), C.int(len(recv)), C.int(root)))
}

func implGatherv(send, recv []float64, cnt, off []int32, root int) error {
	return mpiError("MPI_Gatherv", C.gohpc_gatherv(f64(send), C.int(len(send)), f64(recv), ints(cnt), ints(off), C.int(root)))
}

func implAllreduce(in, out []float64, op Op) error {
	if len(in) == 0 {
		return nil
	}
	return mpiError("MPI_Allreduce", C.gohpc_allreduce(f64(in), f64(out), C.int(len(in)), C.int(op)))
}

func implAbort(code int) { C.gohpc_abort(C.int(code)) }
