"""The recurrent tests run Keras's layers step by step on tiny tensors: PyTorch on one thread
does each of those small ops ~10× faster on a busy machine than with threads spinning."""

import pytest

from tests.conftest import reference


@pytest.fixture(autouse=True, scope="module")
def _torch_on_one_thread():
    torch = reference("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
