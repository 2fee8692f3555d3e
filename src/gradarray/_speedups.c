/*
 * gradarray._speedups: the commonest ufunc call, compiled.
 *
 * ``array_ufunc`` handles ``ufunc(a)`` and ``ufunc(a, b)`` with no keyword arguments, where
 * each operand is a plain Tensor (not a view pending a refresh, not a Variable), a NumPy
 * ndarray, or a Python float or int, and the result is one ndarray.  It does exactly what
 * the Python fast path in ``dispatch.array_ufunc`` does: call the ufunc on the raw arrays,
 * wrap the result, and, while recording, make its graph node.  Every other case, every
 * error and every first call of a rule (whose plan is not cached yet) is handed to the
 * Python implementation unchanged, so behaviour never depends on this module: it is an
 * optional build (pure Python is used when it is missing or GRADARRAY_PURE_PYTHON=1).
 *
 * Only the Python C API is used (no NumPy headers): NumPy objects are reached through
 * their Python attributes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

static PyObject *fallback;     /* dispatch.array_ufunc (Python) */
static PyObject *plain;        /* record._PLAIN: operand types that are constants */
static PyTypeObject *tensor;   /* the exact Tensor class results are wrapped in */
static PyTypeObject *ndarray;  /* numpy.ndarray */
static PyObject *rules;        /* registry.RULES */
static PyObject *nondiff;      /* registry.NONDIFF */
static PyObject *state;        /* _state.STATE (thread-local) */
static PyObject *epoch;        /* graph.EPOCH: [int] */
static PyObject *node_cls;     /* graph.Node */
static PyObject *meta_cls;     /* graph.Meta */
static PyObject *out_value;    /* ``...`` when ufuncs accept out=... (0-d results stay arrays) */
static Py_ssize_t off_raw, off_node;  /* offsets of Tensor's _raw and _node slots */
static int configured = 0;
static int node_fast = 0;      /* Node is a NodeBase subclass: allocate it directly */

static PyObject *s_call, *s_recording, *s_base, *s_plans, *s_multi, *s_view, *s_shape,
                *s_dtype, *s_viewm, *kw_out;
static PyObject *mask1, *mask_tt, *mask_tf, *mask_ft;


/* ------------------------------------------------------------------ graph nodes */
/*
 * NodeBase: the fields of graph.Node (which subclasses it and adds ``name``/``repr``).
 * A C type so that recording a call costs one allocation, not a Python __init__.
 */
typedef struct {
    PyObject_HEAD
    PyObject *rule, *parents, *args, *kwargs, *ans, *shape, *dtype, *epoch, *slots, *extra;
    PyObject *weakreflist;
} NodeObject;

#define NODE_FIELDS(X) X(rule) X(parents) X(args) X(kwargs) X(ans) X(shape) X(dtype) \
    X(epoch) X(slots) X(extra)

static PyTypeObject NodeBase_Type;
static PyObject *zero;

static PyObject *
node_alloc(PyTypeObject *type, PyObject *const *v, Py_ssize_t n)
{
    NodeObject *self = (NodeObject *)type->tp_alloc(type, 0);
    PyObject *f[10];
    Py_ssize_t i;
    if (self == NULL) return NULL;
    for (i = 0; i < 10; i++) f[i] = i < n ? v[i] : (i == 7 ? zero : Py_None);
    for (i = 0; i < 10; i++) Py_INCREF(f[i]);
    self->rule = f[0]; self->parents = f[1]; self->args = f[2]; self->kwargs = f[3];
    self->ans = f[4]; self->shape = f[5]; self->dtype = f[6]; self->epoch = f[7];
    self->slots = f[8]; self->extra = f[9];
    return (PyObject *)self;
}

static PyObject *
node_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"rule", "parents", "args", "kwargs", "ans", "shape", "dtype",
                            "epoch", "slots", "extra", NULL};
    PyObject *v[10] = {NULL};
    v[7] = zero; v[8] = Py_None; v[9] = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOOO|OOO:Node", names, &v[0], &v[1],
                                     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]))
        return NULL;
    return node_alloc(type, v, 10);
}

static int
node_traverse(NodeObject *self, visitproc visit, void *arg)
{
#define VISIT(f) Py_VISIT(self->f);
    NODE_FIELDS(VISIT)
#undef VISIT
    return 0;  /* a heap subclass's type is visited by its own (subtype) traverse */
}

static int
node_clear(NodeObject *self)
{
#define CLEAR(f) Py_CLEAR(self->f);
    NODE_FIELDS(CLEAR)
#undef CLEAR
    return 0;
}

/* A static type: a heap subclass's reference to its type is dropped by subtype_dealloc. */
static void
node_dealloc(NodeObject *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) PyObject_ClearWeakRefs((PyObject *)self);
    node_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef node_members[] = {
#define MEMBER(f) {#f, T_OBJECT_EX, offsetof(NodeObject, f), 0, NULL},
    NODE_FIELDS(MEMBER)
#undef MEMBER
    {NULL, 0, 0, 0, NULL}
};

static PyTypeObject NodeBase_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gradarray._speedups.NodeBase",
    .tp_basicsize = sizeof(NodeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The fields of a graph node (see gradarray.graph.Node).",
    .tp_new = node_new,
    .tp_dealloc = (destructor)node_dealloc,
    .tp_traverse = (traverseproc)node_traverse,
    .tp_clear = (inquiry)node_clear,
    .tp_members = node_members,
    .tp_weaklistoffset = offsetof(NodeObject, weakreflist),
};

#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static Py_ssize_t
slot_offset(PyTypeObject *cls, const char *name)
{
    PyObject *d = PyDict_GetItemString(cls->tp_dict, name);  /* borrowed */
    if (d == NULL || Py_TYPE(d) != &PyMemberDescr_Type) {
        PyErr_Format(PyExc_TypeError, "Tensor has no slot %s", name);
        return -1;
    }
    return ((PyMemberDescrObject *)d)->d_member->offset;
}

/* configure(fallback, tensor, ndarray, plain, rules, nondiff, state, epoch, Node, Meta, out) */
static PyObject *
configure(PyObject *mod, PyObject *args)
{
    PyObject *t, *nd;
    if (configured) {
        PyErr_SetString(PyExc_RuntimeError, "configure: already configured");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOO!O!O!OO!OOO", &fallback, &t, &nd, &PySet_Type, &plain,
                          &PyDict_Type, &rules, &PySet_Type, &nondiff, &state, &PyList_Type,
                          &epoch, &node_cls, &meta_cls, &out_value))
        return NULL;
    if (!PyType_Check(t) || !PyType_Check(nd)) {
        PyErr_SetString(PyExc_TypeError, "configure: Tensor and ndarray must be types");
        return NULL;
    }
    tensor = (PyTypeObject *)t;
    ndarray = (PyTypeObject *)nd;
    if ((off_raw = slot_offset(tensor, "_raw")) < 0) return NULL;
    if ((off_node = slot_offset(tensor, "_node")) < 0) return NULL;
    Py_INCREF(fallback); Py_INCREF(plain); Py_INCREF(tensor); Py_INCREF(ndarray); Py_INCREF(rules);
    Py_INCREF(nondiff); Py_INCREF(state); Py_INCREF(epoch); Py_INCREF(node_cls);
    Py_INCREF(meta_cls); Py_INCREF(out_value);
    node_fast = PyType_Check(node_cls) &&
        PyType_IsSubtype((PyTypeObject *)node_cls, &NodeBase_Type);
    configured = 1;
    Py_RETURN_NONE;
}

/* A new Tensor viewing ndarray ``ans`` with node ``node`` (steals neither). */
static PyObject *
wrap(PyObject *ans, PyObject *node)
{
    PyObject *t = PyObject_CallMethodOneArg(ans, s_viewm, (PyObject *)tensor);
    if (t == NULL) return NULL;
    if (Py_TYPE(t) != tensor) {  /* cannot happen for an ndarray; be safe */
        Py_DECREF(t);
        PyErr_SetString(PyExc_TypeError, "internal: view did not make a Tensor");
        return NULL;
    }
    PyObject *old = SLOT(t, off_raw);
    Py_INCREF(ans);
    SLOT(t, off_raw) = ans;
    Py_XDECREF(old);
    old = SLOT(t, off_node);
    Py_INCREF(node);
    SLOT(t, off_node) = node;
    Py_XDECREF(old);
    return t;
}

/* A saved argument at level ``lvl`` (0: not kept, 1: shape/dtype only, 2: full). */
static PyObject *
keep_arg(PyObject *raw, PyObject *lvl)
{
    long l = PyLong_AsLong(lvl);
    if (l == -1 && PyErr_Occurred()) return NULL;
    if (l == 0) Py_RETURN_NONE;
    if (l == 1 && Py_TYPE(raw) == ndarray)
        return PyObject_CallOneArg(meta_cls, raw);
    Py_INCREF(raw);
    return raw;
}

/* fallback(self, *args, **kwargs): the Python implementation, for everything else. */
static PyObject *
call_fallback(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0), i;
    PyObject *small[16], **vec = small, *res;
    if (total + 1 > 16) {
        vec = PyMem_Malloc((total + 1) * sizeof(PyObject *));
        if (vec == NULL) return PyErr_NoMemory();
    }
    vec[0] = self;
    for (i = 0; i < total; i++) vec[i + 1] = args[i];
    res = PyObject_Vectorcall(fallback, vec, nargs + 1, kwnames);
    if (vec != small) PyMem_Free(vec);
    return res;
}

/* Tensor.__array_ufunc__(self, ufunc, method, *inputs, **kwargs), a method descriptor. */
static PyObject *
array_ufunc(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *raws[3], *nodes[2], *ans = NULL, *res = NULL;
    Py_ssize_t n = nargs - 2, i;
    int tracked = 0;

    if (!configured || n < 1 || n > 2 || (kwnames && PyTuple_GET_SIZE(kwnames)))
        goto slow;
    if (args[1] != s_call) {
        if (!PyUnicode_Check(args[1]) || PyUnicode_Compare(args[1], s_call) != 0) goto slow;
    }
    for (i = 0; i < n; i++) {
        PyObject *x = args[2 + i];
        PyTypeObject *tp = Py_TYPE(x);
        if (tp == tensor) {
            /* Generic lookup: skips Tensor.__getattr__ (a class default or the instance's). */
            PyObject *base = PyObject_GenericGetAttr(x, s_base);
            if (base == NULL) return NULL;
            Py_DECREF(base);
            if (base != Py_None) goto slow;  /* a view: its node may need a refresh */
            raws[i] = SLOT(x, off_raw);
            nodes[i] = SLOT(x, off_node);
            if (raws[i] == NULL || nodes[i] == NULL) goto slow;  /* made by NumPy itself */
            if (nodes[i] != Py_None) tracked = 1;
        }
        else {
            if (tp != ndarray && tp != &PyFloat_Type && tp != &PyLong_Type) {
                int c = PySet_Contains(plain, (PyObject *)tp);
                if (c < 0) return NULL;
                if (!c) goto slow;
            }
            raws[i] = x;
            nodes[i] = Py_None;
        }
    }
    raws[n] = out_value;
    ans = PyObject_Vectorcall(args[0], raws, n, out_value == Py_None ? NULL : kw_out);
    if (ans == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception)) return NULL;
        PyErr_Clear();  /* the Python path repeats the call and explains the error */
        goto slow;
    }
    if (Py_TYPE(ans) != ndarray) goto slow_drop;  /* tuple (multi-output) or a scalar */

    if (tracked) {
        PyObject *r = PyObject_GetAttr(state, s_recording);
        if (r == NULL) goto fail;
        tracked = (r == Py_True);
        Py_DECREF(r);
    }
    if (!tracked) {
        res = wrap(ans, Py_None);
        Py_DECREF(ans);
        return res;
    }

    PyObject *rule = PyDict_GetItemWithError(rules, args[0]);  /* borrowed */
    if (rule == NULL) {
        if (PyErr_Occurred()) goto fail;
        int nd = PySet_Contains(nondiff, args[0]);
        if (nd < 0) goto fail;
        if (!nd) goto slow_drop;  /* lazy rules, or the NoRuleError */
        res = wrap(ans, Py_None);
        Py_DECREF(ans);
        return res;
    }
    {
        PyObject *mask, *plans, *plan, *flag, *parents = NULL, *saved = NULL, *keep;
        PyObject *shape = NULL, *dtype = NULL, *ep, *node, *ans_kept;
        if (n == 1) mask = mask1;
        else if (nodes[0] != Py_None) mask = nodes[1] != Py_None ? mask_tt : mask_tf;
        else mask = mask_ft;
        plans = PyObject_GetAttr(rule, s_plans);
        if (plans == NULL) goto fail;
        plan = PyDict_Check(plans) ? PyDict_GetItemWithError(plans, mask) : NULL;
        Py_XINCREF(plan);
        Py_DECREF(plans);
        if (plan == NULL) {
            if (PyErr_Occurred()) goto fail;
            goto slow_drop;  /* first recording with this mask: Python computes the plan */
        }
        if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) < 5) {
            Py_DECREF(plan);
            goto slow_drop;
        }
        flag = PyObject_GetAttr(rule, s_multi);
        if (flag != NULL) {
            Py_DECREF(flag);
            if (flag == Py_False) {
                flag = PyObject_GetAttr(rule, s_view);
                Py_XDECREF(flag);
            }
        }
        if (flag == NULL || flag != Py_False) {
            Py_DECREF(plan);
            if (flag == NULL) goto fail;
            goto slow_drop;  /* multi-output and view rules: the Python path */
        }
        parents = PyTuple_New(n);
        saved = PyTuple_New(n);
        if (parents == NULL || saved == NULL) goto node_fail;
        keep = PyTuple_GET_ITEM(plan, 1);
        for (i = 0; i < n; i++) {
            PyObject *a;
            Py_INCREF(nodes[i]);
            PyTuple_SET_ITEM(parents, i, nodes[i]);
            if (keep == Py_None || PyObject_IsTrue(PyTuple_GET_ITEM(plan, 4)) == 1) {
                a = raws[i];
                Py_INCREF(a);
            }
            else {
                if (!PyTuple_Check(keep) || PyTuple_GET_SIZE(keep) <= i) {
                    PyErr_SetString(PyExc_RuntimeError, "internal: malformed plan");
                    goto node_fail;
                }
                a = keep_arg(raws[i], PyTuple_GET_ITEM(keep, i));
                if (a == NULL) goto node_fail;
            }
            PyTuple_SET_ITEM(saved, i, a);
        }
        shape = PyObject_GetAttr(ans, s_shape);
        dtype = shape ? PyObject_GetAttr(ans, s_dtype) : NULL;
        if (dtype == NULL) goto node_fail;
        ep = PyList_GET_ITEM(epoch, 0);  /* borrowed */
        Py_INCREF(ep);
        ans_kept = PyObject_IsTrue(PyTuple_GET_ITEM(plan, 0)) == 1 ? ans : Py_None;
        {
            PyObject *call[8] = {rule, parents, saved, Py_None, ans_kept, shape, dtype, ep};
            node = node_fast ? node_alloc((PyTypeObject *)node_cls, call, 8)
                             : PyObject_Vectorcall(node_cls, call, 8, NULL);
        }
        Py_DECREF(ep);
        if (node == NULL) goto node_fail;
        res = wrap(ans, node);
        Py_DECREF(node);
    node_fail:
        Py_XDECREF(parents);
        Py_XDECREF(saved);
        Py_XDECREF(shape);
        Py_XDECREF(dtype);
        Py_DECREF(plan);
        Py_DECREF(ans);
        return res;
    }

slow_drop:
    Py_DECREF(ans);
slow:
    return call_fallback(self, args, nargs, kwnames);
fail:
    Py_XDECREF(ans);
    return NULL;
}


/* ------------------------------------------------------------------ backward's order */
/*
 * toposort(roots, stop) -> (post, other_leaf): backward._toposort's depth-first walk.
 * ``post`` lists the nodes reached, producers before consumers, leaving out the sources
 * (``stop``) and other leaves; ``other_leaf`` says whether a leaf that is not a source was
 * met (then Python marks which nodes lead to a source).  Every node must be a NodeBase.
 */
typedef struct { NodeObject *node; Py_ssize_t next; } Frame;

static PyObject *
toposort(PyObject *mod, PyObject *args)
{
    PyObject *roots, *stop, *seen = NULL, *post = NULL, *res = NULL;
    Frame *stack = NULL;
    Py_ssize_t cap = 64, sp = 0, r, nroots;
    int other_leaf = 0;

    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &roots, &PySet_Type, &stop)) return NULL;
    nroots = PyList_GET_SIZE(roots);
    for (r = 0; r < nroots; r++) {
        if (!PyObject_TypeCheck(PyList_GET_ITEM(roots, r), &NodeBase_Type)) {
            PyErr_SetString(PyExc_TypeError, "toposort: roots must be nodes");
            return NULL;
        }
    }
    if ((seen = PySet_New(roots)) == NULL) return NULL;
    if ((post = PyList_New(0)) == NULL) goto done;
    if ((stack = PyMem_Malloc(cap * sizeof(Frame))) == NULL) { PyErr_NoMemory(); goto done; }
    for (r = 0; r < nroots; r++) {
        NodeObject *root = (NodeObject *)PyList_GET_ITEM(roots, r);
        int c = PySet_Contains(stop, (PyObject *)root);
        if (c < 0) goto done;
        if (root->parents == NULL || !PyTuple_Check(root->parents)) {
            PyErr_SetString(PyExc_TypeError, "toposort: a node's parents is not a tuple");
            goto done;
        }
        if (c || PyTuple_GET_SIZE(root->parents) == 0) continue;
        stack[0].node = root;
        stack[0].next = 0;
        sp = 1;
        while (sp > 0) {
            Frame *top = &stack[sp - 1];
            PyObject *parents = top->node->parents;
            if (top->next < PyTuple_GET_SIZE(parents)) {
                PyObject *p = PyTuple_GET_ITEM(parents, top->next);
                top->next++;
                if (p == Py_None) continue;
                if (!PyObject_TypeCheck(p, &NodeBase_Type)) {
                    PyErr_SetString(PyExc_TypeError, "toposort: a parent is not a node");
                    goto done;
                }
                if ((c = PySet_Contains(seen, p)) != 0) {
                    if (c < 0) goto done;
                    continue;
                }
                if (PySet_Add(seen, p) < 0) goto done;  /* seen keeps p alive */
                if ((c = PySet_Contains(stop, p)) != 0) {
                    if (c < 0) goto done;
                    continue;
                }
                PyObject *pp = ((NodeObject *)p)->parents;
                if (pp == NULL || !PyTuple_Check(pp)) {
                    PyErr_SetString(PyExc_TypeError, "toposort: a node's parents is not a tuple");
                    goto done;
                }
                if (PyTuple_GET_SIZE(pp) == 0) {
                    other_leaf = 1;
                    continue;
                }
                if (sp == cap) {
                    Frame *grown = PyMem_Realloc(stack, 2 * cap * sizeof(Frame));
                    if (grown == NULL) { PyErr_NoMemory(); goto done; }
                    stack = grown;
                    cap *= 2;
                }
                stack[sp].node = (NodeObject *)p;
                stack[sp].next = 0;
                sp++;
            }
            else {
                if (PyList_Append(post, (PyObject *)top->node) < 0) goto done;
                sp--;
            }
        }
    }
    res = Py_BuildValue("(OO)", post, other_leaf ? Py_True : Py_False);
done:
    PyMem_Free(stack);
    Py_XDECREF(seen);
    Py_XDECREF(post);
    return res;
}

static PyMethodDef ufunc_def = {
    "__array_ufunc__", (PyCFunction)(void (*)(void))array_ufunc, METH_FASTCALL | METH_KEYWORDS,
    "NumPy's ufunc override: the commonest call compiled, the rest in gradarray.dispatch."
};

/* array_ufunc_for(cls): the method descriptor to install as cls.__array_ufunc__. */
static PyObject *
array_ufunc_for(PyObject *mod, PyObject *cls)
{
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "array_ufunc_for: a class is required");
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)cls, &ufunc_def);
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Give the module the objects it works with."},
    {"toposort", toposort, METH_VARARGS,
     "backward._toposort's walk: (nodes producers first, whether another leaf was met)."},
    {"array_ufunc_for", array_ufunc_for, METH_O,
     "The compiled __array_ufunc__ method descriptor for a Tensor class."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_speedups", "Compiled hot path of gradarray's dispatch.", -1, methods
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyObject *m;
    if ((zero = PyLong_FromLong(0)) == NULL) return NULL;
    if (PyType_Ready(&NodeBase_Type) < 0) return NULL;
    m = PyModule_Create(&moduledef);
    if (m == NULL) return NULL;
    Py_INCREF(&NodeBase_Type);
    if (PyModule_AddObject(m, "NodeBase", (PyObject *)&NodeBase_Type) < 0) return NULL;
#define INTERN(var, s) if ((var = PyUnicode_InternFromString(s)) == NULL) return NULL
    INTERN(s_call, "__call__");
    INTERN(s_recording, "recording");
    INTERN(s_base, "_base");
    INTERN(s_plans, "_plans");
    INTERN(s_multi, "multi");
    INTERN(s_view, "view");
    INTERN(s_shape, "shape");
    INTERN(s_dtype, "dtype");
    INTERN(s_viewm, "view");
#undef INTERN
    if ((kw_out = Py_BuildValue("(s)", "out")) == NULL) return NULL;
    if ((mask1 = Py_BuildValue("(O)", Py_True)) == NULL) return NULL;
    if ((mask_tt = Py_BuildValue("(OO)", Py_True, Py_True)) == NULL) return NULL;
    if ((mask_tf = Py_BuildValue("(OO)", Py_True, Py_False)) == NULL) return NULL;
    if ((mask_ft = Py_BuildValue("(OO)", Py_False, Py_True)) == NULL) return NULL;
    return m;
}
