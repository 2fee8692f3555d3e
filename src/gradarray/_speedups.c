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
static PyObject *np_add;       /* numpy.add, for in-place accumulation */
static Py_ssize_t off_raw, off_node;  /* offsets of Tensor's _raw and _node slots */
static int configured = 0;
static int node_fast = 0;      /* Node is a NodeBase subclass: allocate it directly */

/* s_view names both Rule.view (a flag) and ndarray.view (the method). */
static PyObject *s_call, *s_recording, *s_base, *s_plans, *s_multi, *s_view, *s_shape,
                *s_dtype, *kw_out;
static PyObject *mask1, *mask_tt, *mask_tf, *mask_ft;


/* ------------------------------------------------------------------ graph nodes */
/*
 * NodeBase: the fields of graph.Node (which subclasses it and adds ``name``/``repr``).
 * A C type so that recording a call costs one allocation, not a Python __init__.
 */
typedef struct NodeObject {
    PyObject_HEAD
    PyObject *rule, *parents, *args, *kwargs, *ans, *shape, *dtype, *epoch, *slots, *extra;
    PyObject *weakreflist;
    /* Links of the list of nodes not yet indexed by graph.py's copy-on-write registry
     * (borrowed: a node leaves the list when it is taken or deallocated). */
    struct NodeObject *new_prev, *new_next;
} NodeObject;

#define NODE_FIELDS(X) X(rule) X(parents) X(args) X(kwargs) X(ans) X(shape) X(dtype) \
    X(epoch) X(slots) X(extra)

static PyTypeObject NodeBase_Type;
static PyObject *zero;

/* Nodes made since the last take_new(), oldest first: a sentinel's ring.  Two pointer
 * writes per node; graph.py indexes them only when an in-place write needs to know who
 * saved the memory it overwrites. */
static NodeObject new_ring = {.new_prev = &new_ring, .new_next = &new_ring};

static void
new_unlink(NodeObject *self)
{
    if (self->new_next != NULL) {
        self->new_prev->new_next = self->new_next;
        self->new_next->new_prev = self->new_prev;
        self->new_next = self->new_prev = NULL;
    }
}

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
    self->new_prev = new_ring.new_prev;
    self->new_next = &new_ring;
    new_ring.new_prev->new_next = self;
    new_ring.new_prev = self;
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
    new_unlink(self);
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

/* configure(fallback, tensor, ndarray, plain, rules, nondiff, state, epoch, Node, Meta, out,
 *           numpy.add) */
static PyObject *
configure(PyObject *mod, PyObject *args)
{
    PyObject *t, *nd;
    if (configured) {
        PyErr_SetString(PyExc_RuntimeError, "configure: already configured");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOO!O!O!OO!OOOO", &fallback, &t, &nd, &PySet_Type, &plain,
                          &PyDict_Type, &rules, &PySet_Type, &nondiff, &state, &PyList_Type,
                          &epoch, &node_cls, &meta_cls, &out_value, &np_add))
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
    Py_INCREF(meta_cls); Py_INCREF(out_value); Py_INCREF(np_add);
    node_fast = PyType_Check(node_cls) &&
        PyType_IsSubtype((PyTypeObject *)node_cls, &NodeBase_Type);
    configured = 1;
    Py_RETURN_NONE;
}

/* A new Tensor viewing ndarray ``ans`` with node ``node`` (steals neither). */
static PyObject *
wrap(PyObject *ans, PyObject *node)
{
    PyObject *t = PyObject_CallMethodOneArg(ans, s_view, (PyObject *)tensor);
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
        int keep_all = keep == Py_None || PyTuple_GET_ITEM(plan, 4) == Py_True;
        for (i = 0; i < n; i++) {
            PyObject *a;
            Py_INCREF(nodes[i]);
            PyTuple_SET_ITEM(parents, i, nodes[i]);
            if (keep_all) {
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

/* ------------------------------------------------------------------ backward loop */
/*
 * backward_loop(order, grads, owned, relevant, retain, epoch_now, general, fit_partial):
 * backward.backward's loop without create_graph.  An elementwise node (a rule with
 * ``elementwise``, no slots, saved values not overwritten) is done here: per input
 * ``gi = g * d(ans, *args)``, ``fit_partial(g, d, gi, p)`` unless gi is already an ndarray of
 * the input's dtype (not complex) and shape, then accumulated into ``grads`` (in place once
 * the sum is ours: ``owned``).  Every other node goes to ``general(node, g)`` (Python).
 */
static PyObject *s_elementwise, *s_vjps, *s_kind;

/* grads[p] += gi, as backward.py does it. */
static int
accumulate(PyObject *grads, PyObject *owned, NodeObject *p, PyObject *gi)
{
    PyObject *prev = PyDict_GetItemWithError(grads, (PyObject *)p);
    if (prev == NULL) {
        if (PyErr_Occurred()) return -1;
        return PyDict_SetItem(grads, (PyObject *)p, gi);
    }
    Py_INCREF(prev);
    int c = PySet_Contains(owned, (PyObject *)p);
    if (c < 0) { Py_DECREF(prev); return -1; }
    if (c) {
        PyObject *call[3] = {prev, gi, prev};
        PyObject *r = PyObject_Vectorcall(np_add, call, 2, kw_out);
        Py_DECREF(prev);
        if (r == NULL) return -1;
        Py_DECREF(r);
        return 0;
    }
    PyObject *sum = PyNumber_Add(prev, gi);
    Py_DECREF(prev);
    if (sum == NULL) return -1;
    if (PyDict_SetItem(grads, (PyObject *)p, sum) < 0) { Py_DECREF(sum); return -1; }
    if (Py_TYPE(sum) == ndarray) {
        PyObject *shape = PyObject_GetAttr(sum, s_shape);
        if (shape == NULL) { Py_DECREF(sum); return -1; }
        c = PyObject_RichCompareBool(shape, p->shape, Py_EQ);
        Py_DECREF(shape);
        if (c > 0) c = PySet_Add(owned, (PyObject *)p);
        if (c < 0) { Py_DECREF(sum); return -1; }
    }
    Py_DECREF(sum);
    return 0;
}

/* True when ``gi`` needs no fitting for input ``p``: an ndarray (or, 0-d, a NumPy scalar) of
 * p's dtype (not complex when ``real`` is asked: an elementwise d may need conjugating) and
 * shape.  -1 on error. */
static int
fits(PyObject *gi, NodeObject *p, int real)
{
    int ok;
    if (Py_TYPE(gi) == &PyFloat_Type || Py_TYPE(gi) == &PyLong_Type) return 0;
    PyObject *dt = PyObject_GetAttr(gi, s_dtype);
    if (dt == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
        PyErr_Clear();
        return 0;
    }
    ok = dt == p->dtype;
    if (ok && real) {
        PyObject *kind = PyObject_GetAttr(dt, s_kind);
        if (kind == NULL) { Py_DECREF(dt); return -1; }
        ok = !(PyUnicode_Check(kind) && PyUnicode_GET_LENGTH(kind) == 1 &&
               PyUnicode_READ_CHAR(kind, 0) == 'c');
        Py_DECREF(kind);
    }
    Py_DECREF(dt);
    if (!ok) return 0;
    PyObject *shape = PyObject_GetAttr(gi, s_shape);
    if (shape == NULL) return -1;
    ok = PyObject_RichCompareBool(shape, p->shape, Py_EQ);
    Py_DECREF(shape);
    return ok;
}

/* 1: done here; 0: a node for general() (Python); -1: error.  Handles nodes with no slots
 * whose rule is single-output, every needed vjp present, saved values not overwritten:
 * elementwise rules (gi = g * d(ans, *args)) and the rest (gi = vjp(g, ans, *args, **kw)). */
static int
node_step(NodeObject *node, PyObject *g, PyObject *grads, PyObject *owned,
          PyObject *relevant, long long epoch_now, PyObject *fit_partial)
{
    PyObject *rule = node->rule, *flag, *vjps, *args = node->args, *parents = node->parents;
    PyObject *kwargs = node->kwargs;
    Py_ssize_t n, nargs, i, k;
    long long ep;
    int status = -1, elementwise;

    /* (A field deleted from Python is NULL: general() raises the AttributeError.) */
    if (node->slots != Py_None || rule == NULL || node->ans == NULL || node->epoch == NULL ||
            args == NULL || parents == NULL || kwargs == NULL ||
            !PyLong_CheckExact(node->epoch) || !PyTuple_Check(args) ||
            !PyTuple_Check(parents) || (kwargs != Py_None && !PyDict_Check(kwargs)))
        return 0;
    ep = PyLong_AsLongLong(node->epoch);
    if (ep == -1 && PyErr_Occurred()) return -1;
    if (ep < epoch_now) return 0;  /* freed, or written since: Python checks and explains */
    flag = PyObject_GetAttr(rule, s_multi);
    if (flag == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
        PyErr_Clear();
        return 0;  /* SELECT */
    }
    Py_DECREF(flag);
    if (flag != Py_False) return 0;
    flag = PyObject_GetAttr(rule, s_elementwise);
    if (flag == NULL) return -1;
    Py_DECREF(flag);
    elementwise = flag == Py_True;
    vjps = PyObject_GetAttr(rule, s_vjps);
    if (vjps == NULL) return -1;
    n = PyTuple_GET_SIZE(parents);
    nargs = PyTuple_GET_SIZE(args);
    if (!PyTuple_Check(vjps) || PyTuple_GET_SIZE(vjps) < n || nargs > 6 ||
            (elementwise && kwargs != Py_None)) {
        Py_DECREF(vjps);
        return 0;
    }
    for (i = 0; i < n; i++) {
        PyObject *p = PyTuple_GET_ITEM(parents, i);
        if (p != Py_None && (PyTuple_GET_ITEM(vjps, i) == Py_None ||
                             !PyObject_TypeCheck(p, &NodeBase_Type) ||
                             ((NodeObject *)p)->shape == NULL ||
                             ((NodeObject *)p)->dtype == NULL)) {
            Py_DECREF(vjps);
            return 0;  /* Python raises the error */
        }
    }
    /* From here the node is ours: keep its saved values alive while rules run. */
    PyObject *ans = node->ans, *vec[8], *kwtuple = NULL, **rest;
    Py_ssize_t nvec;
    Py_INCREF(args);
    Py_INCREF(ans);
    Py_INCREF(kwargs);
    vec[0] = g;      /* general rules: vjp(g, ans, *args); elementwise: d(ans, *args) */
    vec[1] = ans;
    for (k = 0; k < nargs; k++) vec[k + 2] = PyTuple_GET_ITEM(args, k);
    rest = elementwise ? vec + 1 : vec;
    nvec = elementwise ? nargs + 1 : nargs + 2;
    if (kwargs != Py_None && PyDict_GET_SIZE(kwargs) > 0) {
        PyObject *argt = PyTuple_New(nvec);
        if (argt == NULL) goto done;
        for (k = 0; k < nvec; k++) {
            Py_INCREF(rest[k]);
            PyTuple_SET_ITEM(argt, k, rest[k]);
        }
        kwtuple = argt;
    }
    for (i = 0; i < n; i++) {
        PyObject *p = PyTuple_GET_ITEM(parents, i), *fn, *d = NULL, *gi;
        int c;
        if (p == Py_None) continue;
        if (relevant != Py_None) {
            if ((c = PySet_Contains(relevant, p)) < 0) goto done;
            if (!c) continue;
        }
        fn = PyTuple_GET_ITEM(vjps, i);
        if (elementwise) {
            d = PyObject_Vectorcall(fn, rest, nvec, NULL);
            if (d == NULL) goto done;
            if (d == Py_None) { Py_DECREF(d); continue; }
            gi = PyNumber_Multiply(g, d);
            if (gi == NULL) { Py_DECREF(d); goto done; }
            c = fits(gi, (NodeObject *)p, 1);
        }
        else {
            gi = kwtuple ? PyObject_Call(fn, kwtuple, kwargs)
                         : PyObject_Vectorcall(fn, rest, nvec, NULL);
            if (gi == NULL) goto done;
            if (gi == Py_None) { Py_DECREF(gi); continue; }
            c = fits(gi, (NodeObject *)p, 0);
        }
        if (c <= 0) {
            PyObject *fitted = c < 0 ? NULL : PyObject_CallFunctionObjArgs(
                fit_partial, g, d ? d : Py_None, gi, p, NULL);
            Py_DECREF(gi);
            gi = fitted;
        }
        Py_XDECREF(d);
        if (gi == NULL) goto done;
        c = accumulate(grads, owned, (NodeObject *)p, gi);
        Py_DECREF(gi);
        if (c < 0) goto done;
    }
    status = 1;
done:
    Py_XDECREF(kwtuple);
    Py_DECREF(args);
    Py_DECREF(ans);
    Py_DECREF(kwargs);
    Py_DECREF(vjps);
    return status;
}

static PyObject *
backward_loop(PyObject *mod, PyObject *args)
{
    PyObject *order, *grads, *owned, *relevant, *general, *fit_partial;
    int retain;
    long long epoch_now;
    Py_ssize_t k;

    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "backward_loop: not configured");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!O!O!OpLOO", &PyList_Type, &order, &PyDict_Type, &grads,
                          &PySet_Type, &owned, &relevant, &retain, &epoch_now, &general,
                          &fit_partial))
        return NULL;
    if (relevant != Py_None && !PySet_Check(relevant)) {
        PyErr_SetString(PyExc_TypeError, "backward_loop: relevant must be a set or None");
        return NULL;
    }
    for (k = 0; k < PyList_GET_SIZE(order); k++) {
        PyObject *item = PyList_GET_ITEM(order, k), *g;
        NodeObject *node;
        int done;
        if (!PyObject_TypeCheck(item, &NodeBase_Type)) {
            PyErr_SetString(PyExc_TypeError, "backward_loop: order must hold nodes");
            return NULL;
        }
        node = (NodeObject *)item;
        Py_INCREF(node);  /* order could be changed by Python code called below */
        g = PyDict_GetItemWithError(grads, item);
        if (g == NULL) {
            Py_DECREF(node);
            if (PyErr_Occurred()) return NULL;
            continue;
        }
        Py_INCREF(g);
        if (PyDict_DelItem(grads, item) < 0) goto fail;
        done = node_step(node, g, grads, owned, relevant, epoch_now, fit_partial);
        if (done < 0) goto fail;
        if (done) {
            if (!retain) {
                PyObject *old_args = node->args, *old_ans = node->ans, *old_ep = node->epoch;
                Py_INCREF(Py_None); Py_INCREF(Py_None);
                node->args = Py_None;
                node->ans = Py_None;
                node->epoch = PyLong_FromLong(-1);  /* graph.FREED */
                Py_XDECREF(old_args);
                Py_XDECREF(old_ans);
                Py_XDECREF(old_ep);
                if (node->epoch == NULL) goto fail;
            }
        }
        else {
            PyObject *r = PyObject_CallFunctionObjArgs(general, item, g, NULL);
            if (r == NULL) goto fail;
            Py_DECREF(r);
        }
        Py_DECREF(g);
        Py_DECREF(node);
        continue;
    fail:
        Py_DECREF(g);
        Py_DECREF(node);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* take_new() -> list: the nodes made since the last call, oldest first (and forget them). */
static PyObject *
take_new(PyObject *mod, PyObject *unused)
{
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    while (new_ring.new_next != &new_ring) {
        NodeObject *n = new_ring.new_next;
        if (PyList_Append(out, (PyObject *)n) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        new_unlink(n);
    }
    return out;
}

/* has_new() -> bool: whether take_new() would return any node. */
static PyObject *
has_new(PyObject *mod, PyObject *unused)
{
    return PyBool_FromLong(new_ring.new_next != &new_ring);
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
    {"backward_loop", backward_loop, METH_VARARGS,
     "backward.backward's loop, elementwise nodes compiled, the rest through general()."},
    {"toposort", toposort, METH_VARARGS,
     "backward._toposort's walk: (nodes producers first, whether another leaf was met)."},
    {"take_new", take_new, METH_NOARGS,
     "The nodes made since the last call, oldest first (graph.py indexes what they saved)."},
    {"has_new", has_new, METH_NOARGS, "Whether a node was made since the last take_new()."},
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
    INTERN(s_elementwise, "elementwise");
    INTERN(s_vjps, "vjps");
    INTERN(s_kind, "kind");
#undef INTERN
    if ((kw_out = Py_BuildValue("(s)", "out")) == NULL) return NULL;
    if ((mask1 = Py_BuildValue("(O)", Py_True)) == NULL) return NULL;
    if ((mask_tt = Py_BuildValue("(OO)", Py_True, Py_True)) == NULL) return NULL;
    if ((mask_tf = Py_BuildValue("(OO)", Py_True, Py_False)) == NULL) return NULL;
    if ((mask_ft = Py_BuildValue("(OO)", Py_False, Py_True)) == NULL) return NULL;
    return m;
}
