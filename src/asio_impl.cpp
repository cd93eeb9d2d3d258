// Asio and Beast are compiled once here (BOOST_*_SEPARATE_COMPILATION is set for every target),
// which keeps every other translation unit quicker to build.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
