"""Recurrent layers: SimpleRNN, LSTM, GRU, and the Bidirectional and TimeDistributed wrappers."""

from deepnum.layers.rnn.recurrent import GRU, LSTM, SimpleRNN
from deepnum.layers.rnn.wrappers import Bidirectional, TimeDistributed
