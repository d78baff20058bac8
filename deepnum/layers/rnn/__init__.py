"""Recurrent layers: the RNN layer and its cells (SimpleRNNCell, LSTMCell, GRUCell,
StackedRNNCells), SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D, and the Bidirectional and
TimeDistributed wrappers."""

from deepnum.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from deepnum.layers.rnn.gru_cell import GRUCell
from deepnum.layers.rnn.lstm_cell import LSTMCell
from deepnum.layers.rnn.recurrent import GRU, LSTM, SimpleRNN
from deepnum.layers.rnn.rnn import RNN
from deepnum.layers.rnn.simple_rnn_cell import SimpleRNNCell
from deepnum.layers.rnn.stacked_rnn_cells import StackedRNNCells
from deepnum.layers.rnn.wrappers import Bidirectional, TimeDistributed
