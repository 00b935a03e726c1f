"""Stand-ins for the modules a peer imports but the replay never uses (progress bars, HTTP
libraries whose network is replaced, data set loaders, tokenizer hubs): any attribute is a
harmless object, a capitalized one a plain class. The peers' own metric code is never stubbed."""
import importlib.abc, importlib.machinery, sys, types


class _Anything:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return _Anything()
    def __getattr__(self, name): return _Anything()
    def __iter__(self): return iter(())
    def __bool__(self): return False
    def __mro_entries__(self, bases): return ()
    def __or__(self, other): return other
    def __ror__(self, other): return other
    def __getitem__(self, k): return _Anything()


def _instance_getattr(self, name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _Anything()


class _Meta(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _StubModule(types.ModuleType):
    #: Give stand-in classes any class attribute too (a metaclass; off where peers mix them
    #: with other metaclasses).
    class_attributes = False

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if not name[:1].isupper():
            value = _Anything()
            setattr(self, name, value)
            return value
        value = (_Meta if self.class_attributes else type)(name, (), {"__init__": lambda self, *a, **k: None,
                                 "__getattr__": _instance_getattr,
                                 "__call__": lambda self, *a, **k: _Anything(),
                                 "__class_getitem__": classmethod(lambda cls, k: _Anything())})
        setattr(self, name, value)
        return value


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, names, class_attributes):
        self.names, self.class_attributes = set(names), class_attributes
    def find_spec(self, fullname, path, target=None):
        if any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None
    def create_module(self, spec):
        m = _StubModule(spec.name); m.__path__ = []
        m.class_attributes = self.class_attributes
        return m
    def exec_module(self, module): pass


def install(names, class_attributes=False):
    """Serve the modules named (and their submodules) by stand-ins from now on."""
    sys.meta_path.insert(0, _Finder(names, class_attributes))
