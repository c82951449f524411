// fastmath: a C extension module built inside the fat-dev image (with the image's gcc and headers).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *count_primes(PyObject *self, PyObject *args)
{
	long n, count = 0;
	(void)self;
	if (!PyArg_ParseTuple(args, "l", &n))
		return NULL;
	for (long i = 2; i <= n; i++) {
		int prime = 1;
		for (long d = 2; d * d <= i; d++)
			if (i % d == 0) {
				prime = 0;
				break;
			}
		count += prime;
	}
	return PyLong_FromLong(count);
}

static PyMethodDef methods[] = {
	{ "count_primes", count_primes, METH_VARARGS, "Number of primes <= n." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "fastmath", NULL, -1, methods };

PyMODINIT_FUNC PyInit_fastmath(void)
{
	return PyModule_Create(&module);
}
